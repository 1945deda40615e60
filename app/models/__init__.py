"""Tables and their public/create shapes; importing this registers every table."""

from app.models.company import Company, CompanyPublic
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
    Message,
    ResolutionType,
    Side,
    TimelineEvent,
)
from app.models.user import User, UserSession

__all__ = [
    "Category",
    "Channel",
    "CoSign",
    "Company",
    "CompanyPublic",
    "Complaint",
    "ComplaintCreate",
    "ComplaintPublic",
    "ComplaintState",
    "ContactAttempt",
    "ContactAttemptIn",
    "Message",
    "ResolutionType",
    "Side",
    "TimelineEvent",
    "User",
    "UserSession",
]
