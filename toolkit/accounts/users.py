"""Users, roles and office membership; the one place that reads and writes the accounts tables.

Roles (a user may hold several):
  reader   legal officer: reads the corpus, compares, reads versions, decides
  drafter  reader + pins version matches
  clerk    reader + issues and voids notices, only for the offices the user is bound to
  admin    manages accounts and reads the audit log
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, update

from toolkit.accounts.passwords import DUMMY_HASH, hash_password, verify_password
from toolkit.accounts.tables import TABLES, audit, user_offices, users
from toolkit.db.engine import connect, engine_for, write_transaction
from toolkit.db.metadata import METADATA

ROLES = ("reader", "drafter", "clerk", "admin")
ROLE_NAMES = {"reader": "阅读（法规人员）", "drafter": "起草", "clerk": "经办（出具文书）",
              "admin": "管理员"}


class AccountError(ValueError):
    """A refused account operation, with the reason in one line."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str | None
    roles: frozenset[str]
    offices: tuple[str, ...] = ()
    disabled: bool = False
    created_at: datetime | None = None

    def has(self, role: str) -> bool:
        return role in self.roles

    def can_issue_for(self, office: str) -> bool:
        """Issue or void for ``office``: a clerk bound to it (admins are not clerks by right)."""
        return "clerk" in self.roles and office in self.offices

    @property
    def name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    username: str | None
    action: str
    detail: str
    remote: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def parse_roles(text: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    items = text.split(",") if isinstance(text, str) else list(text)
    roles = frozenset(r.strip() for r in items if r.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise AccountError(f"未知角色 {'、'.join(unknown)}：可用 {', '.join(ROLES)}")
    if not roles:
        raise AccountError(f"至少需要一个角色：{', '.join(ROLES)}")
    return roles


def _check_username(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or c in "<>\"'&/" for c in name):
        raise AccountError(f"用户名 {name!r} 不可用（1–64 个字符，不含空白和 <>\"'&/）")
    return name


@dataclass
class Accounts:
    """The accounts of one store (SQLite path or PostgreSQL URL)."""

    engine: Engine
    _ready: bool = field(default=False, repr=False)

    @classmethod
    def open(cls, db: str | Path) -> Accounts:
        acc = cls(engine_for(db))
        acc.ensure_tables()
        return acc

    def ensure_tables(self) -> None:
        if not self._ready:
            with write_transaction(self.engine) as conn:
                METADATA.create_all(conn, tables=list(TABLES))
            self._ready = True

    # --- users ------------------------------------------------------------------------------
    def add(self, username: str, password: str, roles: str | list[str], *,
            offices: list[str] | tuple[str, ...] = (), display_name: str | None = None) -> User:
        username = _check_username(username)
        role_set = parse_roles(roles)
        if offices and "clerk" not in role_set:
            raise AccountError("只有经办人员（clerk）绑定经办机构")
        hashed = hash_password(password)
        now = _now()
        with write_transaction(self.engine) as conn:
            if conn.execute(select(users.c.id).where(users.c.username == username)).first():
                raise AccountError(f"用户 {username} 已存在")
            uid = conn.execute(insert(users).values(
                username=username, display_name=display_name, password_hash=hashed,
                roles=",".join(sorted(role_set)), disabled=False, created_at=now,
                password_changed_at=now)).inserted_primary_key[0]
            for office in dict.fromkeys(offices):
                conn.execute(insert(user_offices).values(user_id=uid, office=office))
        return self.get(username)

    def set_password(self, username: str, password: str) -> None:
        hashed = hash_password(password)
        with write_transaction(self.engine) as conn:
            done = conn.execute(update(users).where(users.c.username == username).values(
                password_hash=hashed, password_changed_at=_now())).rowcount
        if not done:
            raise AccountError(f"没有用户 {username}")

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        with write_transaction(self.engine) as conn:
            done = conn.execute(update(users).where(users.c.username == username)
                                .values(disabled=disabled)).rowcount
        if not done:
            raise AccountError(f"没有用户 {username}")

    def set_roles(self, username: str, roles: str | list[str],
                  offices: list[str] | tuple[str, ...] | None = None) -> User:
        role_set = parse_roles(roles)
        with write_transaction(self.engine) as conn:
            row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
            if row is None:
                raise AccountError(f"没有用户 {username}")
            conn.execute(update(users).where(users.c.id == row.id)
                         .values(roles=",".join(sorted(role_set))))
            if offices is not None:
                conn.execute(delete(user_offices).where(user_offices.c.user_id == row.id))
                for office in dict.fromkeys(offices):
                    conn.execute(insert(user_offices).values(user_id=row.id, office=office))
        return self.get(username)

    def get(self, username: str) -> User:
        found = self._users(users.c.username == username)
        if not found:
            raise AccountError(f"没有用户 {username}")
        return found[0]

    def by_id(self, uid: int) -> User | None:
        found = self._users(users.c.id == uid)
        return found[0] if found else None

    def list(self) -> list[User]:
        return self._users(None)

    def count(self) -> int:
        with connect(self.engine) as conn:
            return len(conn.execute(select(users.c.id)).all())

    def _users(self, where) -> list[User]:
        query = select(users).order_by(users.c.username)
        if where is not None:
            query = query.where(where)
        with connect(self.engine) as conn:
            rows = conn.execute(query).all()
            offices: dict[int, list[str]] = {}
            for r in conn.execute(select(user_offices).order_by(user_offices.c.office)):
                offices.setdefault(r.user_id, []).append(r.office)
        return [User(r.id, r.username, r.display_name, frozenset(r.roles.split(",")),
                     tuple(offices.get(r.id, ())), bool(r.disabled), r.created_at) for r in rows]

    def password_stamp(self, username: str) -> str | None:
        """When the password last changed, as text: sessions carry it, so a new password
        ends the sessions opened with the old one."""
        with connect(self.engine) as conn:
            row = conn.execute(select(users.c.password_changed_at)
                               .where(users.c.username == username)).first()
        return _stamp(row.password_changed_at) if row else None

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right and the account is enabled; else None (the same
        work is done for an unknown name, see ``DUMMY_HASH``)."""
        with connect(self.engine) as conn:
            row = conn.execute(select(users.c.username, users.c.password_hash, users.c.disabled)
                               .where(users.c.username == username.strip())).first()
        if row is None:
            verify_password(DUMMY_HASH, password)
            return None
        if not verify_password(row.password_hash, password) or row.disabled:
            return None
        return self.get(row.username)

    # --- audit ------------------------------------------------------------------------------
    def log(self, username: str | None, action: str, detail: str = "",
            remote: str | None = None) -> None:
        """Append one line to the audit log (who, when, what, from where)."""
        with write_transaction(self.engine) as conn:
            conn.execute(insert(audit).values(at=_now(), username=username, action=action,
                                              detail=detail, remote=remote))

    def audit_entries(self, *, limit: int = 200, action: str | None = None,
                      username: str | None = None) -> list[AuditEntry]:
        query = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if action:
            query = query.where(audit.c.action == action)
        if username:
            query = query.where(audit.c.username == username)
        with connect(self.engine) as conn:
            return [AuditEntry(r.id, r.at, r.username, r.action, r.detail, r.remote)
                    for r in conn.execute(query)]


def _stamp(value: datetime) -> str:
    return value.isoformat()
