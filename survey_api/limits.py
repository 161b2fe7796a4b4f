"""Request limits, checked before any endpoint runs (a pure ASGI middleware).

- A body larger than the limit is 413 before it is read into memory: at once from ``Content-Length``, else
  as soon as the streamed bytes pass it. Multipart uploads (imports, frames) have a larger limit.
- JSON bodies are read whole (within the limit) and checked with ``payloads.json_problem``: NUL, lone
  surrogates, numbers past 64 bits, nesting past ``MAX_DEPTH`` are 422 naming the field. A batch's items
  (``item_lists``) are left to the endpoint, which reports each bad item on its own.
- Query strings, paths and url-encoded forms with a NUL character are 422 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from survey_api import problems
from survey_api.payloads import MAX_DEPTH, Problem, json_problem, text_problem

MB = 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit; FastAPI lets it through as it is."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"the request body is larger than {limit // MB} MB")


class RequestLimits:
    """Body size limits and content checks in front of the application."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        max_depth: int = MAX_DEPTH,
        item_lists: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.max_depth = max_depth
        self.item_lists = dict(item_lists or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if problem := _address_problem(scope):
            await _invalid(scope, receive, send, problem)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        limit = self.max_upload_bytes if content_type.startswith("multipart/") else self.max_body_bytes
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await _too_large(scope, receive, send, limit)
            return
        kind = _kind(content_type)
        if kind is None:
            await _Counted(self.app, limit)(scope, receive, send)
            return
        body = await _read(receive, limit)
        if body is None:
            await _too_large(scope, receive, send, limit)
            return
        if kind == "json":
            skip = (self.item_lists[scope["path"]],) if scope["path"] in self.item_lists else ()
            problem = json_problem(body, max_depth=self.max_depth, skip=skip)
        else:
            problem = _pairs_problem(body.decode("latin-1"))
        if problem:
            await _invalid(scope, receive, send, problem)
            return
        await self.app(scope, _replay(body, receive), send)


def _kind(content_type: str) -> str | None:
    if content_type == "application/json" or content_type.endswith("+json"):
        return "json"
    if content_type == "application/x-www-form-urlencoded":
        return "form"
    return None


def _address_problem(scope: Scope) -> Problem | None:
    if problem := text_problem(scope["path"], "path"):
        return problem
    return _pairs_problem(scope.get("query_string", b"").decode("latin-1"))


def _pairs_problem(encoded: str) -> Problem | None:
    for name, value in parse_qsl(encoded, keep_blank_values=True, errors="replace"):
        if problem := text_problem(name, "parameter name") or text_problem(value, name):
            return problem
    return None


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class _Counted:
    """Runs the app with a ``receive`` that stops at ``limit`` bytes; the answer is then our 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.size = 0
        self.exceeded = False
        self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.size += len(message.get("body", b""))
                if self.size > self.limit:
                    self.exceeded = True
                    raise BodyTooLarge(self.limit)
            return message

        async def guarded(message: Message) -> None:
            if self.exceeded:
                if not self.started:
                    self.started = True
                    await _too_large(scope, receive, send, self.limit)
                return
            self.started = self.started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, guarded)
        except Exception:
            if not self.exceeded:
                raise
        if self.exceeded and not self.started:
            await _too_large(scope, receive, send, self.limit)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    megabytes = limit // MB
    response = problems.render(
        scope["path"],
        413,
        f"the request body is larger than {megabytes} MB; send less at once",
        message_vi=f"Nội dung gửi lên lớn hơn {megabytes} MB. Vui lòng gửi ít hơn mỗi lần.",
    )
    await response(scope, receive, send)


async def _invalid(scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
    response = problems.render(
        scope["path"],
        422,
        f"the request is not valid: {problem.item}: {problem.problem}",
        errors=[problem.as_error()],
        message_vi=f"Giá trị «{problem.item}» {problem.problem_vi}.",
    )
    await response(scope, receive, send)
