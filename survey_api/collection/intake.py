"""Submitting through the API as the holder of a token: authorise, set the channel, store once.

All of it runs in one worker thread on one connection and one transaction: the token is read where the
answer is written, so a submission takes one thread hop, one connection checkout and one commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from survey_api.auth.service import principal_for_token, require_role
from survey_api.collection import service
from survey_api.collection.schemas import ResponseIn
from survey_api.db.engine import transaction

# Who may post answers through the API, and the channel that follows from it: a volunteer's interview, or an
# admin keying in a paper questionnaire. Citizens answer through signed QR links; never from the body.
CHANNEL_OF_ROLE = {"volunteer": "tablet", "admin": "paper"}
COLLECTING_ROLES = tuple(CHANNEL_OF_ROLE)


def submit_as_token_holder(factory: sessionmaker[Session], token: str, payload: ResponseIn) -> service.Submission:
    """Store ``payload`` for the holder of ``token`` (401 unknown, 403 not a collecting role), exactly once."""
    with transaction(factory) as session:
        principal = principal_for_token(session, token)
        require_role(principal, COLLECTING_ROLES)
        payload = payload.model_copy(update={"channel": CHANNEL_OF_ROLE[principal.role]})
        return service.submit(session, payload, interviewer_id=principal.user_id)
