"""Every ORM model, imported here so that Alembic sees one metadata."""

from survey_api.db.base import Base
from survey_api.db.models.audit import AuditEntry
from survey_api.db.models.feedback import Feedback, FeedbackContact, FeedbackEvent
from survey_api.db.models.fieldwork import Assignment, ContactAttempt
from survey_api.db.models.instruments import Instrument, InstrumentVersion
from survey_api.db.models.plans import FrameUnit, SampleUnit, SamplingPlan
from survey_api.db.models.publications import Publication
from survey_api.db.models.qr import QrLink, ReceiptClaim
from survey_api.db.models.rate_limits import RateWindow
from survey_api.db.models.response_arrivals import ResponseArrival
from survey_api.db.models.response_revisions import ResponseRevision
from survey_api.db.models.responses import Response
from survey_api.db.models.units import OrgUnit, OrgUnitVersion, ServicePoint, UnitSuccessor
from survey_api.db.models.users import ApiToken, User
from survey_api.db.models.weighting import PopulationMargin, WeightingRun

__all__ = [
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "Base",
    "ContactAttempt",
    "Feedback",
    "FeedbackContact",
    "FeedbackEvent",
    "FrameUnit",
    "Instrument",
    "InstrumentVersion",
    "OrgUnit",
    "OrgUnitVersion",
    "PopulationMargin",
    "Publication",
    "QrLink",
    "RateWindow",
    "ReceiptClaim",
    "Response",
    "ResponseArrival",
    "ResponseRevision",
    "SampleUnit",
    "SamplingPlan",
    "ServicePoint",
    "UnitSuccessor",
    "User",
    "WeightingRun",
]
