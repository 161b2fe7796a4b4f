"""Contact details are purged a set time after their feedback was closed or rejected (Decree 13/2023/NĐ-CP:
kept no longer than their purpose needs).

Two ways run it, both calling ``purge_expired``, which is idempotent: ``survey feedback purge`` (for cron or
a systemd timer, the way to rely on with several servers), and each API process at start and then every
``SURVEY_FEEDBACK_PURGE_EVERY_HOURS`` hours (``purge_lifespan``), so a deployment without a timer purges too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import anyio
import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from survey_api import audit
from survey_api.db.base import utcnow
from survey_api.db.engine import transaction
from survey_api.db.models import Feedback, FeedbackContact, FeedbackEvent

_log = logging.getLogger(__name__)


def purge_expired(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete the contact details of feedback closed or rejected more than ``retention_days`` ago; how many."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    expired = session.execute(
        select(FeedbackContact, Feedback.id)
        .join(Feedback, Feedback.id == FeedbackContact.feedback_id)
        .where(Feedback.closed_at.is_not(None), Feedback.closed_at <= cutoff)
    ).all()
    for contact, feedback_id in expired:
        session.delete(contact)
        session.add(FeedbackEvent(feedback_id=feedback_id, action="contact_purged", note="retention"))
    if expired:
        session.flush()
        audit.record(session, None, "feedback.contact.purge_expired", "feedback", count=len(expired))
    return len(expired)


def _purge_once(factory: sessionmaker[Session], retention_days: int) -> None:
    try:
        with transaction(factory) as session:
            purged = purge_expired(session, retention_days)
    except SQLAlchemyError as exc:  # the database is busy or away: the next round tries again
        _log.warning("feedback contact purge failed: %s", type(exc).__name__)
        return
    if purged:
        _log.info("purged the contact details of %d closed feedback items", purged)


@asynccontextmanager
async def purge_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Purge at start, then every ``feedback_purge_every_hours`` (0: only at start) while the app runs."""
    settings = app.state.settings
    factory = app.state.sessionmaker
    every = settings.feedback_purge_every_hours * 3600

    async def rounds() -> None:
        while True:
            await anyio.to_thread.run_sync(_purge_once, factory, settings.feedback_contact_retention_days)
            if every <= 0:
                return
            await anyio.sleep(every)

    async with anyio.create_task_group() as group:
        group.start_soon(rounds)
        yield
        group.cancel_scope.cancel()


def purge_on_request(session: Session, reference: str) -> bool:
    """Delete the contact details of the feedback with this reference (a citizen's request); False if none kept."""
    found = session.execute(
        select(FeedbackContact, Feedback.id)
        .join(Feedback, Feedback.id == FeedbackContact.feedback_id)
        .where(Feedback.reference == reference)
    ).first()
    if found is None:
        return False
    contact, feedback_id = found
    session.delete(contact)
    session.add(FeedbackEvent(feedback_id=feedback_id, action="contact_purged", note="request"))
    session.flush()
    audit.record(session, None, "feedback.contact.purge", f"feedback {feedback_id}")
    return True
