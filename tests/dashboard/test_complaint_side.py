"""The side column of a rep's complaint page: internal notes their author can edit in place, and
a short history of who owned the complaint when and how its state changed."""

import html
import re
from datetime import timedelta

from app.clock import utcnow
from app.complaints import company as company_side
from app.models.complaint import InternalNote, ResolutionType
from app.models.user import User
from tests.support.factories import login
from tests.support.forms import post_form

VIEW = "queue=all&q=Broadband&sort=newest&page=2"


def _note(db, scene, author: User, body: str) -> InternalNote:
    return company_side.add_note(
        session=db,
        complaint=scene.complaint,
        user=author,
        body=body,
        now=utcnow() - timedelta(hours=2),
    )


def _edit(client, scene, note: InternalNote, body: str, **extra: str):
    path = f"{scene.page}/notes/{note.id}/edit"
    return post_form(client, path, {"note_body": body, **extra}, page=scene.page)


def _side(page: str, heading: str) -> str:
    """The text of one section of the page, tags stripped."""
    start = page.index(f">{heading}</h2>")
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start : start + 4000])))


def test_the_author_edits_a_note_in_place_and_it_says_edited(db, client, scene) -> None:
    note = _note(db, scene, scene.agent, "Called her back.")
    db.commit()
    login(client, scene.agent)
    before = client.get(scene.page).text
    assert f'action="{scene.page}/notes/{note.id}/edit"' in before
    assert "edited" not in _side(before, "Internal notes")

    response = _edit(client, scene, note, "Called her back; refund on Friday.", **{"from": VIEW})
    assert response.status_code == 303
    assert response.headers["location"] == f"{scene.page}?{VIEW}"  # still in the queue's view
    after = _side(client.get(scene.page).text, "Internal notes")
    assert "Called her back; refund on Friday." in after
    assert "Called her back. " not in after
    assert re.search(r"Sam Lee · .* · edited \w", after)


def test_another_rep_cannot_edit_a_note_and_keeps_what_they_typed(db, client, scene) -> None:
    note = _note(db, scene, scene.agent, "Sam's own words.")
    db.commit()
    login(client, scene.owner)
    page = client.get(scene.page).text
    assert f"/notes/{note.id}/edit" not in page  # no edit form on someone else's note

    refused = _edit(client, scene, note, "Dana's rewrite.", **{"from": VIEW})
    assert refused.status_code == 403
    assert "Only the rep who wrote a note can edit it." in refused.text
    # What Dana typed waits in "Add an internal note", and the way back is the same view.
    assert re.search(
        r'<textarea id="note" name="note"[^>]*>Dana&#39;s rewrite.</textarea>', refused.text
    )
    assert f'href="/dashboard/acme?{VIEW.replace("&", "&amp;")}#row-' in refused.text
    db.refresh(note)
    assert note.body == "Sam's own words."


def test_a_refused_edit_keeps_the_typed_text_in_the_note_form(db, client, scene) -> None:
    note = _note(db, scene, scene.agent, "First words.")
    db.commit()
    login(client, scene.agent)
    empty = _edit(client, scene, note, "   ", **{"from": VIEW})
    assert empty.status_code == 409
    assert "A note needs some text." in empty.text
    assert '<details class="note-edit" open>' in empty.text
    assert f'href="/dashboard/acme?{VIEW.replace("&", "&amp;")}#row-' in empty.text

    too_long = "x" * 10_001
    refused = _edit(client, scene, note, too_long)
    assert refused.status_code == 400
    assert "under 10,000 characters" in refused.text
    assert f">{too_long}</textarea>" in refused.text
    db.refresh(note)
    assert note.body == "First words."


def test_a_note_of_another_complaint_is_not_found(db, client, scene) -> None:
    other = company_side.add_note(
        session=db, complaint=scene.globex_complaint, user=scene.globex_rep, body="Theirs."
    )
    db.commit()
    login(client, scene.agent)
    path = f"{scene.page}/notes/{other.id}/edit"
    assert post_form(client, path, {"note_body": "Mine?"}, page=scene.page).status_code == 404


def test_the_history_shows_who_owned_it_when_and_its_states_newest_first(db, client, scene) -> None:
    c, sam, dana = scene.complaint, scene.agent, scene.owner
    # In order, at the real time: the audit log (the owners) records the moment itself.
    company_side.assign(session=db, complaint=c, user=dana, assignee_id=sam.id)
    company_side.reply(session=db, complaint=c, user=sam, body="Looking.")
    company_side.assign(session=db, complaint=c, user=sam, assignee_id=dana.id)
    company_side.resolve(
        session=db,
        complaint=c,
        user=dana,
        resolution_type=ResolutionType.MONETARY,
    )
    db.commit()
    login(client, sam)
    side = _side(client.get(scene.page).text, "History")
    steps = [
        side.index("Resolved by the company · Dana Ortiz"),
        side.index("Owner: Dana Ortiz"),
        side.index("Answered · Sam Lee"),
        side.index("Owner: Sam Lee"),
        side.index("Open"),  # filed
    ]
    assert steps == sorted(steps)


def test_a_released_complaint_shows_back_to_unassigned(db, client, scene) -> None:
    c, sam = scene.complaint, scene.agent
    company_side.assign(session=db, complaint=c, user=sam, assignee_id=sam.id)
    company_side.release(
        session=db, company_id=c.company_id, user_id=sam.id, actor=scene.owner, why="removed"
    )
    db.commit()
    login(client, scene.owner)
    side = _side(client.get(scene.page).text, "History")
    assert side.index("Back to unassigned") < side.index("Owner: Sam Lee")
