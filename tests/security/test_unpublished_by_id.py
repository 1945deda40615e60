"""A complaint that is not public (pending, hidden, removed) cannot be reached by guessing its
number: co-signs and reports answer exactly as for a number that does not exist, and the page of
what was typed answers the same whether the complaint is someone else's or missing."""

import pytest
from sqlmodel import Session, func, select

from app.models.complaint import CoSign, Visibility
from app.models.moderation import Report
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import post_form

MISSING = 987_654


def count(db: Session, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize("grade", [Visibility.PENDING, Visibility.HIDDEN, Visibility.REMOVED])
def test_cosigns_and_reports_do_not_reach_unpublished_complaints(
    client, db: Session, grade
) -> None:
    public = make_complaint(db)
    held = make_complaint(db)
    held.visibility = grade
    db.add(held)
    db.commit()
    login(client, make_user(db))
    form_page = f"/complaints/{public.id}"  # any page with a form gives the CSRF token

    answers = {}
    for complaint_id in (held.id, MISSING):
        cosign = post_form(client, f"/complaints/{complaint_id}/cosign", {}, page=form_page)
        report = post_form(
            client,
            "/reports",
            {"complaint": str(complaint_id), "reason": "spam", "detail": "spam"},
            page=form_page,
        )
        form = client.get("/reports/new", params={"complaint": complaint_id})
        answers[complaint_id] = (cosign.status_code, report.status_code, form.status_code)
    assert answers[held.id] == answers[MISSING] == (404, 404, 404)
    db.refresh(held)
    assert held.cosign_count == 0
    assert count(db, CoSign) == 0 and count(db, Report) == 0

    # The public one still takes both.
    assert (
        post_form(client, f"/complaints/{public.id}/cosign", {}, page=form_page).status_code == 303
    )


def test_the_original_is_no_existence_oracle(client, db: Session) -> None:
    theirs = make_complaint(db, body="Ring me on 07700 900123 please, any time at all.")
    db.commit()
    login(client, make_user(db))
    forbidden = client.get(f"/complaints/{theirs.id}/original")
    missing = client.get(f"/complaints/{MISSING}/original")
    assert forbidden.status_code == missing.status_code == 404
    assert "There is no complaint with that number." in forbidden.text
    same = forbidden.text.replace(f"/complaints/{theirs.id}/", "/complaints/N/")
    assert same == missing.text.replace(f"/complaints/{MISSING}/", "/complaints/N/")
