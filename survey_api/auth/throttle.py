"""Sign-in throttling: failed attempts counted per account and per client, shared by every server process.

Only failures count (an office behind one address signs in many times a day); once an account or a client
has used up its failures in the window, every attempt is refused with 429 until the window ends, even with
the right password, so guessing gains nothing from going on.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from survey_api.clients import client_address
from survey_api.errors import TooManyRequests
from survey_api.ratelimit import RateLimiter
from survey_api.settings import Settings

MESSAGE = "too many failed sign-ins for this account or from this address; try again in {seconds} seconds"


@dataclass(frozen=True)
class SignInThrottle:
    """The limits of one sign-in attempt from ``client``."""

    limiter: RateLimiter
    client: str
    per_account: int
    per_client: int
    window: int

    @classmethod
    def of(cls, limiter: RateLimiter, settings: Settings, client: str) -> SignInThrottle:
        """The configured limits (``SURVEY_SIGN_IN_*``) for an attempt from ``client``."""
        return cls(
            limiter,
            client,
            settings.sign_in_limit_per_account,
            settings.sign_in_limit_per_client,
            settings.sign_in_window_minutes * 60,
        )

    def _keys(self, username: str) -> tuple[tuple[str, int], tuple[str, int]]:
        account = username.strip().casefold()
        return (f"sign-in:account:{account}", self.per_account), (f"sign-in:client:{self.client}", self.per_client)

    def check(self, username: str) -> None:
        """429 (with the seconds to wait) when the account or the client has no failed attempt left."""
        waits = [self.limiter.wait(key, limit=limit, window=self.window) for key, limit in self._keys(username)]
        longest = max((wait for wait in waits if wait is not None), default=None)
        if longest is not None:
            raise TooManyRequests(MESSAGE.format(seconds=longest), retry_after=longest)

    def failed(self, username: str) -> None:
        """Count a failed attempt against the account and the client."""
        for key, limit in self._keys(username):
            self.limiter.retry_after(key, limit=limit, window=self.window)


def throttle_for(request: Request) -> SignInThrottle:
    """The throttle of a sign-in request: the app's limiter and settings, the request's client address."""
    return SignInThrottle.of(request.app.state.limiter, request.app.state.settings, client_address(request))
