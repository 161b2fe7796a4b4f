"""Who is asking: a volunteer's account checked by HTTP Digest, with the sign-in throttle of the token API.

Only volunteers have Digest secrets (survey_api.auth.digest_secrets); an unknown account and one without a
secret get the same 401, so the answer does not tell which usernames exist. A right answer with a stale
nonce is 401 ``stale=true`` and is not counted as a failure; every other wrong answer is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey_api.auth.digest_secrets import DIGEST_ROLES
from survey_api.auth.service import user_by_username
from survey_api.auth.throttle import SignInThrottle
from survey_api.db.models import User
from survey_api.errors import Forbidden, Unauthorized
from survey_api.openrosa import digest

NO_SECRET = (
    "wrong username or password. A volunteer whose password was set before ODK Collect could sign in must "
    "have it set again (ask your manager) / Sai tên đăng nhập hoặc mật khẩu; nếu mật khẩu được đặt trước khi "
    "hỗ trợ ODK Collect, hãy nhờ người quản lý đặt lại mật khẩu."
)


class DigestRequired(Unauthorized):
    """401 with Digest challenges (``stale``: the client signed well, with an expired nonce)."""

    def __init__(self, detail: str, *, stale: bool = False) -> None:
        super().__init__(detail)
        self.stale = stale


@dataclass(frozen=True)
class RequestTarget:
    """What the client signed: the method and the request target."""

    method: str
    path: str
    query: str


def sign_in(
    session: Session,
    header: str | None,
    target: RequestTarget,
    *,
    keys: tuple[str, ...],
    lifetime: int,
    throttle: SignInThrottle,
) -> User:
    """The volunteer whose Digest answer ``header`` is right for ``target``; 401, 403 or 429 otherwise."""
    if not header:
        raise DigestRequired("sign in with your volunteer account / đăng nhập bằng tài khoản tình nguyện viên")
    try:
        answer = digest.parse_authorization(header)
    except digest.MalformedDigest as error:
        raise DigestRequired(str(error)) from None
    throttle.check(answer.username)
    if not digest.uri_matches(answer.uri, target.path, target.query):
        raise DigestRequired("the Digest answer signs another address than the one asked for")
    user = user_by_username(session, answer.username)
    secret = None
    if user is not None:
        secret = user.digest_ha1_md5 if answer.algorithm == "MD5" else user.digest_ha1_sha256
    if user is None or secret is None:
        throttle.failed(answer.username)
        raise DigestRequired(NO_SECRET)
    verdict = digest.check(answer, secret, method=target.method, keys=keys, lifetime=lifetime)
    if verdict is digest.Verdict.WRONG:
        throttle.failed(answer.username)
        raise DigestRequired("wrong username or password / sai tên đăng nhập hoặc mật khẩu")
    if verdict is digest.Verdict.STALE:
        raise DigestRequired("the sign-in has expired; sign in again", stale=True)
    if not user.active:
        raise DigestRequired("this account is disabled; ask an admin / tài khoản đã bị khóa")
    if user.role not in DIGEST_ROLES:
        raise Forbidden(f"ODK Collect is for volunteers; your role is {user.role}")
    return user
