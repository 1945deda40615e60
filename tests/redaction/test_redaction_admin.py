"""Admin redaction rules: validated, audited, applied to new text at once and to existing text by
the re-redaction job; moderators' per-complaint corrections (redact_again)."""

from html import unescape

import pytest
from sqlmodel import select

from app.complaints import service as complaints
from app.models.audit import AuditEntry
from app.models.job import Job
from app.models.redaction import RedactionRule
from app.redaction import rules
from app.redaction import service as redaction
from app.redaction.rules import REAPPLY, InvalidRule
from app.tasks import TASKS
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import post_form

AGENT = r"\bAgent (?:Sam|Alex) [A-Z][a-z]+"


@pytest.fixture
def admin(db):
    return make_user(db, is_admin=True)


def audit_actions(db) -> list[str]:
    return [e.action for e in db.exec(select(AuditEntry).order_by(AuditEntry.id))]


def reapply_jobs(db) -> int:
    return len(db.exec(select(Job).where(Job.kind == REAPPLY)).all())


# Validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "replacement", "field", "says"),
    [
        ("(unclosed", "[x]", "pattern", "not a valid pattern"),
        ("(a+)+$", "[x]", "pattern", "too long"),
        ("(x+x+)+y", "[x]", "pattern", "too long"),
        ("a*", "[x]", "pattern", "matches empty text"),
        (r"\[staff\]", "[staff]", "replacement", "would itself be masked"),
        ("Agent Sam", "call 07700 900482", "replacement", "would itself be masked"),
        ("Agent Sam", "", "replacement", "1 to 60"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_reason(db, admin, pattern, replacement, field, says):
    with pytest.raises(InvalidRule) as refused:
        rules.create(
            session=db, admin=admin, pattern=pattern, replacement=replacement, reason="staff"
        )
    assert refused.value.field == field
    assert says in refused.value.detail
    assert db.exec(select(RedactionRule)).all() == []


def test_a_rule_needs_a_reason(db, admin):
    with pytest.raises(InvalidRule, match="why"):
        rules.create(session=db, admin=admin, pattern=AGENT, replacement="[staff]", reason=" ")


# Applying --------------------------------------------------------------------------------------


def test_a_rule_masks_new_text_and_is_audited_and_queues_re_redaction(db, admin):
    rules.create(
        session=db, admin=admin, pattern=AGENT, replacement="[staff]", reason="staff names"
    )
    complaint = make_complaint(db, body="Agent Sam Whitfield hung up on me twice this week.")

    assert complaint.body == "[staff] hung up on me twice this week."
    assert complaint.original_body.startswith("Agent Sam Whitfield")
    assert audit_actions(db)[-1] == "redaction.rule.create"
    assert reapply_jobs(db) == 1
    assert REAPPLY in TASKS


def test_existing_text_is_re_redacted_and_restored_when_the_rule_goes(db, admin):
    complaint = make_complaint(db, body="Agent Alex Moreno promised a refund by Friday at 5.")
    message = complaints.follow_up(
        session=db,
        complaint=complaint,
        user=db.get(type(admin), complaint.author_id),
        body="Agent Alex Moreno again said Friday.",
    )
    assert complaint.original_body is None  # nothing was masked when it was filed

    rule = rules.create(
        session=db, admin=admin, pattern=AGENT, replacement="[staff]", reason="staff names"
    )
    seen, changed, _ = redaction.reapply(session=db)
    assert (seen, changed) == (1, 2)
    assert complaint.body == "[staff] promised a refund by Friday at 5."
    assert complaint.original_body == "Agent Alex Moreno promised a refund by Friday at 5."
    assert message.body == "[staff] again said Friday."

    rules.delete(session=db, admin=admin, rule=rule, reason="names are public job titles")
    redaction.reapply(session=db)
    assert complaint.body == "Agent Alex Moreno promised a refund by Friday at 5."
    assert complaint.original_body is None
    assert message.body == "Agent Alex Moreno again said Friday."
    assert audit_actions(db)[-2:] == ["redaction.rule.create", "redaction.rule.delete"]
    assert reapply_jobs(db) == 2


def test_a_moderator_can_mask_a_missed_phrase_and_unmask_a_wrong_one(db, admin):
    complaint = make_complaint(
        db, body="The manager Priya at 12 High Street said the till was broken for days."
    )
    assert "[address]" in complaint.body

    changed = redaction.redact_again(
        session=db,
        complaint=complaint,
        actor=admin,
        reason="a staff name; the shop's address is public",
        mask=["Priya"],
        keep=["12 High Street"],
    )
    assert changed == 1
    assert complaint.body == (
        "The manager [redacted] at 12 High Street said the till was broken for days."
    )
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "redaction.correct")).one()
    assert "Priya" not in entry.detail  # the audit log records how many, not which
    assert "1 phrase(s) masked, 1 kept" in entry.detail


# The admin pages ---------------------------------------------------------------------------------


def test_admins_manage_rules_through_the_pages(client, db, admin):
    login(client, admin)
    created = post_form(
        client,
        "/admin/redaction",
        {"pattern": AGENT, "replacement": "[staff]", "reason": "staff names"},
    )
    assert created.status_code == 303
    rule = db.exec(select(RedactionRule)).one()

    refused = post_form(
        client,
        f"/admin/redaction/{rule.id}",
        {"pattern": "(a+)+$", "replacement": "[staff]", "reason": "oops"},
        page="/admin/redaction",
    )
    assert refused.status_code == 422
    assert "too long" in unescape(refused.text)
    assert "(a+)+$" in unescape(refused.text)  # what was typed is still there

    deleted = post_form(
        client, f"/admin/redaction/{rule.id}/delete", {"reason": "done"}, page="/admin/redaction"
    )
    assert deleted.status_code == 303
    assert db.exec(select(RedactionRule)).all() == []
    assert "Redaction rules" in client.get("/admin").text


def test_only_admins_reach_the_rules(client, db):
    login(client, make_user(db))
    assert client.get("/admin/redaction").status_code == 403


def test_rule_changes_need_a_csrf_token(client, db, admin):
    login(client, admin)
    response = client.post(
        "/admin/redaction", data={"pattern": AGENT, "replacement": "[staff]", "reason": "x"}
    )
    assert response.status_code == 403
    assert db.exec(select(RedactionRule)).all() == []
