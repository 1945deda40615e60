"""Tables and their public/create shapes; importing this registers every table."""

from app.models.audit import AuditEntry
from app.models.broadcast import Broadcast, BroadcastStatus, BroadcastThread
from app.models.company import Company, CompanyProfile, CompanyPublic
from app.models.complaint import (
    Category,
    Channel,
    Complaint,
    ComplaintCreate,
    ComplaintPublic,
    ComplaintState,
    ContactAttempt,
    ContactAttemptIn,
    CoSign,
    InternalNote,
    Message,
    ResolutionType,
    SavedReply,
    Side,
    TimelineEvent,
)
from app.models.integration import ApiToken, Webhook
from app.models.job import Job, JobAttempt, JobState
from app.models.membership import (
    Claim,
    ClaimMethod,
    ClaimStatus,
    CompanyMember,
    Invitation,
    Role,
)
from app.models.token import OneTimeToken, Purpose
from app.models.user import User, UserSession

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Broadcast",
    "BroadcastStatus",
    "BroadcastThread",
    "Category",
    "Channel",
    "Claim",
    "ClaimMethod",
    "ClaimStatus",
    "CoSign",
    "Company",
    "CompanyMember",
    "CompanyProfile",
    "CompanyPublic",
    "Complaint",
    "ComplaintCreate",
    "ComplaintPublic",
    "ComplaintState",
    "ContactAttempt",
    "ContactAttemptIn",
    "InternalNote",
    "Invitation",
    "Job",
    "JobAttempt",
    "JobState",
    "Message",
    "OneTimeToken",
    "Purpose",
    "ResolutionType",
    "Role",
    "SavedReply",
    "Side",
    "TimelineEvent",
    "User",
    "UserSession",
    "Webhook",
]
