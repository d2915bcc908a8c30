"""Signed session cookies (itsdangerous) carrying the user id and the CSRF token.

The cookie is HttpOnly and SameSite=Lax; its signature covers a timestamp so an old cookie
expires even if a browser keeps it. The CSRF token is random per session and rotated at login:
every form that changes anything sends it back (``csrf`` field, or the ``X-CSRF-Token`` header
htmx adds), and it must equal the one in the signed cookie.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "pk_session"


@dataclass(frozen=True)
class Session:
    csrf: str
    user_id: int | None = None
    password_stamp: str | None = None  # when the password changed: a change logs others out

    def to_dict(self) -> dict:
        return {"c": self.csrf, "u": self.user_id, "p": self.password_stamp}


def new_session(user_id: int | None = None, password_stamp: str | None = None) -> Session:
    return Session(csrf=secrets.token_urlsafe(24), user_id=user_id, password_stamp=password_stamp)


class SessionCodec:
    def __init__(self, secret: str, max_age_s: int):
        self._s = URLSafeTimedSerializer(secret, salt="policykit-session")
        self.max_age_s = max_age_s

    def dumps(self, session: Session) -> str:
        return self._s.dumps(session.to_dict())

    def loads(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            d = self._s.loads(cookie, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(d, dict) or not isinstance(d.get("c"), str):
            return None
        return Session(csrf=d["c"], user_id=d.get("u"), password_stamp=d.get("p"))


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a, b)
