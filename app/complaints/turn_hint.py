"""Whose move a complaint waits for, as the reps' queue and the webhooks report it.

One small function so that it can follow the conversation's own rule of whose turn it is when
that rule lives in its own module.
"""

from app.complaints.states import CLOSED_STATES
from app.models.complaint import Complaint, ComplaintState

COMPANY = "company"
CONSUMER = "consumer"
NOBODY = "nobody"
WAITING_FOR_CONSUMER = frozenset({ComplaintState.ANSWERED, ComplaintState.RESOLVED})


def whose_turn(complaint: Complaint) -> str:
    """ "company" while it owes an answer, "consumer" while a rep asked for information or a
    resolution awaits confirmation, "nobody" once closed."""
    if complaint.state in CLOSED_STATES:
        return NOBODY
    if complaint.awaiting_consumer or complaint.state in WAITING_FOR_CONSUMER:
        return CONSUMER
    return COMPANY
