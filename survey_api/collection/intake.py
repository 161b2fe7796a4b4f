"""Submitting through the API as the holder of a token: authorise, set the channel, store once — in groups.

Under a crowd most of a submission's cost is the database's round trips and a hop to a worker thread, not
the checks. Submissions that arrive while a group is being written wait for the next group; each group is
one worker thread, one transaction, one query for all its tokens and one multi-row insert. Every
submission still gets its own answer (201, 200 for a replay, 401, 403, 409, 422) and is acknowledged only
after the commit that stored it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from survey_api.auth.service import principal_for_token, principals_for_tokens, require_role
from survey_api.collection import repository, service
from survey_api.collection.schemas import ResponseIn
from survey_api.db.engine import transaction
from survey_api.errors import DomainError
from survey_api.hashing import canonical_digest

# Who may post answers through the API, and the channel that follows from it: a volunteer's interview, or an
# admin keying in a paper questionnaire. Citizens answer through signed QR links; never from the body.
CHANNEL_OF_ROLE = {"volunteer": "tablet", "admin": "paper"}
COLLECTING_ROLES = tuple(CHANNEL_OF_ROLE)
# Enough to take a crowd's worth of submissions in one transaction, few enough to keep each one short.
MAX_GROUP = 512

Outcome = service.Submission | BaseException


def submit_as_token_holder(factory: sessionmaker[Session], token: str, payload: ResponseIn) -> service.Submission:
    """Store ``payload`` for the holder of ``token`` (401 unknown, 403 not a collecting role), exactly once."""
    with transaction(factory) as session:
        principal = principal_for_token(session, token)
        require_role(principal, COLLECTING_ROLES)
        payload = payload.model_copy(update={"channel": CHANNEL_OF_ROLE[principal.role]})
        return service.submit(session, payload, interviewer_id=principal.user_id)


@dataclass
class _Waiting:
    token: str
    payload: ResponseIn
    answer: asyncio.Future[service.Submission] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _future() -> asyncio.Future[service.Submission]:
    return asyncio.get_running_loop().create_future()


class GroupedIntake:
    """Writes the API's submissions of one process in groups, one group at a time."""

    def __init__(self, factory: sessionmaker[Session], max_group: int = MAX_GROUP) -> None:
        self._factory = factory
        self._max_group = max_group
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, token: str, payload: ResponseIn) -> service.Submission:
        """Store ``payload`` for the holder of ``token`` with the next group; its own outcome or error."""
        waiting = _Waiting(token, payload)
        writer = self._writer
        if writer is not None and writer.get_loop() is not asyncio.get_running_loop():
            writer, self._waiting = None, []  # an event loop that ended (tests start one per client)
        self._waiting.append(waiting)
        if writer is None or writer.done():
            self._writer = asyncio.create_task(self._write_while_waiting())
        return await waiting.answer

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self._max_group], self._waiting[self._max_group :]
            try:
                outcomes = await run_in_threadpool(write_group, self._factory, [(w.token, w.payload) for w in group])
            except BaseException as error:  # the database is down, say: every submission of the group hears it
                outcomes = [error] * len(group)
            for waiting, outcome in zip(group, outcomes, strict=True):
                if waiting.answer.done():  # the client went away
                    continue
                if isinstance(outcome, BaseException):
                    waiting.answer.set_exception(outcome)
                else:
                    waiting.answer.set_result(outcome)


def write_group(factory: sessionmaker[Session], group: list[tuple[str, ResponseIn]]) -> list[Outcome]:
    """Store a group of submissions in one transaction; each one's outcome, or the error that refuses it.

    When the group's insert fails for another reason than the database being unavailable, each submission
    is tried again alone, so that one cannot cost the others their place.
    """
    try:
        with transaction(factory) as session:
            return _write_together(session, group)
    except OperationalError:
        raise
    except SQLAlchemyError:
        if len(group) == 1:
            raise
    return [_alone(factory, token, payload) for token, payload in group]


def _alone(factory: sessionmaker[Session], token: str, payload: ResponseIn) -> Outcome:
    try:
        return submit_as_token_holder(factory, token, payload)
    except (DomainError, SQLAlchemyError) as error:
        return error


def _write_together(session: Session, group: list[tuple[str, ResponseIn]]) -> list[Outcome]:
    principals = principals_for_tokens(session, {token for token, _ in group})
    outcomes: list[Outcome | None] = [None] * len(group)
    ready: dict[int, service.Prepared] = {}
    refused: dict[int, tuple[uuid.UUID, str, DomainError]] = {}
    first_of: dict[uuid.UUID, int] = {}
    for index, (token, payload) in enumerate(group):
        principal = principals[token]
        try:
            if isinstance(principal, BaseException):
                raise principal
            require_role(principal, COLLECTING_ROLES)
        except DomainError as error:
            outcomes[index] = error
            continue
        payload = payload.model_copy(update={"channel": CHANNEL_OF_ROLE[principal.role]})
        digest = canonical_digest(payload.fingerprint())
        try:
            ready[index] = service.prepare(session, payload, digest, interviewer_id=principal.user_id)
            first_of.setdefault(payload.id, index)
        except DomainError as error:
            refused[index] = (payload.id, digest, error)
    rows = [prepared.values for index, prepared in ready.items() if first_of[prepared.values["id"]] == index]
    stored = repository.insert_responses_once(session, rows) if rows else set()
    for index, prepared in ready.items():
        response_id = prepared.values["id"]
        if response_id in stored and first_of[response_id] == index:
            outcomes[index] = service.acknowledged(prepared)
        else:
            outcomes[index] = _replayed(session, response_id, prepared.digest, None)
    for index, (response_id, digest, reason) in refused.items():
        outcomes[index] = _replayed(session, response_id, digest, reason)
    assert all(outcome is not None for outcome in outcomes), "every submission has its outcome"
    return cast(list[Outcome], outcomes)


def _replayed(session: Session, response_id: uuid.UUID, digest: str, error: DomainError | None) -> Outcome:
    """A submission not inserted now: acknowledged as a retry, 409 for other content, else why it was refused."""
    try:
        outcome = service.replay(session, response_id, digest)
    except DomainError as conflict:
        return conflict
    if outcome is None:
        assert error is not None, "a conflicting insert implies a stored row"
        return error
    return outcome
