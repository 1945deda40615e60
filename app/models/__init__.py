"""Tables and their public/create shapes; importing this registers every table."""

from app.models.audit import AuditEntry
from app.models.broadcast import Broadcast, BroadcastStatus, BroadcastThread
from app.models.company import Company, CompanyProfile, CompanyPublic, CompanyRedirect
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
    Visibility,
)
from app.models.integration import ApiToken, IdempotentRequest, Webhook
from app.models.job import Job, JobAttempt, JobState
from app.models.membership import (
    Claim,
    ClaimMethod,
    ClaimStatus,
    CompanyMember,
    Invitation,
    Role,
)
from app.models.moderation import (
    ActionKind,
    MessageModeration,
    ModerationAction,
    ModerationEdit,
    Report,
    ReportReason,
    ReportStatus,
)
from app.models.redaction import RedactionCorrection, RedactionRule
from app.models.takedown import Inaccuracy, NoticeStatus, TakedownEvent, TakedownNotice
from app.models.team import RoutingMode, SavedView, TeamRouting
from app.models.token import OneTimeToken, Purpose
from app.models.user import User, UserSession

__all__ = [
    "ActionKind",
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
    "CompanyRedirect",
    "Complaint",
    "ComplaintCreate",
    "ComplaintPublic",
    "ComplaintState",
    "ContactAttempt",
    "ContactAttemptIn",
    "IdempotentRequest",
    "Inaccuracy",
    "InternalNote",
    "Invitation",
    "Job",
    "JobAttempt",
    "JobState",
    "Message",
    "MessageModeration",
    "ModerationAction",
    "ModerationEdit",
    "NoticeStatus",
    "OneTimeToken",
    "Purpose",
    "RedactionCorrection",
    "RedactionRule",
    "Report",
    "ReportReason",
    "ReportStatus",
    "ResolutionType",
    "Role",
    "RoutingMode",
    "SavedReply",
    "SavedView",
    "Side",
    "TakedownEvent",
    "TakedownNotice",
    "TeamRouting",
    "TimelineEvent",
    "User",
    "UserSession",
    "Visibility",
    "Webhook",
]

# Systemic issues (app/systemic), and the full-text index DDL that rides on the complaint table.
from app.models import (
    company_names,  # noqa: F401 - attaches the names' trigram index
    fulltext,  # noqa: F401 - attaches the full-text DDL to the complaint table
)
from app.models.systemic import SystemicIssue, SystemicMember

__all__ += ["SystemicIssue", "SystemicMember"]

# Statistics aggregates and monthly leaderboard snapshots (app/stats).
from app.models.stats import (  # noqa: E402
    CompanyStat,
    IndustryStat,
    LeaderboardSnapshot,
    LeaderboardSnapshotRow,
    SiteTrend,
    StatMark,
)

__all__ += [
    "CompanyStat",
    "IndustryStat",
    "LeaderboardSnapshot",
    "LeaderboardSnapshotRow",
    "SiteTrend",
    "StatMark",
]

# Email as a channel (app/mailchannel): directory, reply threads, outbound and raw inbound mail.
from app.models.mail import (  # noqa: E402
    AddressStatus,
    InboundState,
    MailAddress,
    MailInbound,
    MailOutbound,
    MailThread,
)

__all__ += [
    "AddressStatus",
    "InboundState",
    "MailAddress",
    "MailInbound",
    "MailOutbound",
    "MailThread",
]
