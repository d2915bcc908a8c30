"""``policykit user …`` and the checks ``policykit serve`` makes before it starts."""

from __future__ import annotations

import re

from click.testing import CliRunner

from toolkit.cli.main import cli


def _run(db, *args, input=None):
    return CliRunner().invoke(cli, ["--db", str(db), *args], input=input)


def test_user_add_list_passwd_disable(tmp_path):
    from toolkit.accounts.users import Accounts

    db = tmp_path / "s.db"
    r = _run(db, "user", "add", "wang", "--role", "clerk", "--office", "揭阳市医疗保障局",
             input="long-password-1\nlong-password-1\n")
    assert r.exit_code == 0, r.output
    assert "offices jieyang-ybj" in r.output  # the office name became its id
    r = _run(db, "user", "list")
    assert r.output.splitlines() == ["wang\tclerk\tjieyang-ybj\tactive"]
    r = _run(db, "user", "passwd", "wang", "--random")
    new = re.search(r"shown once\): (\S+)", r.output).group(1)
    accounts = Accounts.open(str(db))
    assert accounts.authenticate("wang", new) and not accounts.authenticate("wang", "long-password-1")
    assert _run(db, "user", "disable", "wang").exit_code == 0
    assert accounts.authenticate("wang", new) is None
    actions = [e.action for e in accounts.audit_entries()]
    assert actions == ["user_disable", "user_passwd", "user_add"]


def test_user_add_refusals_are_one_line(tmp_path):
    db = tmp_path / "s.db"
    cases = [
        (("--role", "boss", "--random"), "未知角色 boss"),
        (("--role", "clerk", "--random"), "经办人员需要 --office"),
        (("--role", "reader", "--office", "jieyang-ybj", "--random"), "只用于经办人员"),
        (("--role", "clerk", "--office", "nowhere", "--random"), "unknown office 'nowhere'"),
    ]
    for args, message in cases:
        r = _run(db, "user", "add", "li", *args)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output and "Traceback" not in r.output
    r = _run(db, "user", "add", "li", "--role", "reader", input="short\nshort\n")
    assert r.exit_code == 2 and "密码至少 10 个字符" in r.output
    r = _run(db, "user", "add", "li", "--role", "reader", "--random")
    assert r.exit_code == 0
    r = _run(db, "user", "add", "li", "--role", "reader", "--random")
    assert r.exit_code == 2 and "用户 li 已存在" in r.output


def test_if_none_creates_the_first_admin_only_once(tmp_path):
    db = tmp_path / "s.db"
    r = _run(db, "user", "add", "admin", "--role", "admin,drafter,clerk", "--all-offices",
             "--random", "--if-none")
    assert r.exit_code == 0 and "password (shown once" in r.output
    r = _run(db, "user", "add", "admin", "--role", "admin", "--random", "--if-none")
    assert r.exit_code == 0 and r.output == ""


def test_serve_refuses_a_store_without_accounts_or_without_a_store(tmp_path):
    r = _run(tmp_path / "missing.db", "serve")
    assert r.exit_code == 2 and "ingest corpus/" in r.output
    db = tmp_path / "s.db"
    from toolkit.store import Store

    Store(db).close()
    r = _run(db, "serve")
    assert r.exit_code == 2 and "user add NAME --role admin" in r.output
