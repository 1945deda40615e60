"""The reps' queue and complaint view are computed once per change of the company and kept
(app/web/rep_pages.py): each rep still sees their own name, token and "mine", a change made by
one rep is on the next page any rep opens, and what one company's reps see (a consumer's
private reference) reaches no one else."""

import re

from sqlmodel import select

from app.models.company import Company
from app.models.membership import CompanyMember
from tests.support.dashboard import queue_counts
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import CSRF_RE, post_form

QUEUE = "/dashboard/acme"


def _tokens(html: str) -> set[str]:
    return set(CSRF_RE.findall(html))


def _owner_cell(html: str, complaint_id: int) -> str:
    row = re.search(rf'id="row-{complaint_id}".*?</tr>', html, re.S)
    assert row, complaint_id
    return row.group(0).rsplit("<td>", 1)[1].split("</td>", 1)[0]


def _form_keys(html: str) -> list[str]:
    return re.findall(r'name="submission_key" value="([^"]+)"', html)


def test_two_reps_of_one_company_see_their_own_names_tokens_and_mine(
    db, client, other_client, scene
) -> None:
    login(client, scene.owner)
    login(other_client, scene.agent)
    taken = post_form(
        client,
        f"{scene.page}/assign",
        {"assignee_id": str(scene.owner.id)},
        page=scene.page,
    )
    assert taken.status_code == 303

    for _ in range(2):  # the second visit of each is answered from what was kept
        dana, sam = client.get(QUEUE).text, other_client.get(QUEUE).text
        assert f"Log out ({scene.owner.display_name})" in dana
        assert f"Log out ({scene.agent.display_name})" in sam
        assert scene.owner.display_name not in sam.split("<main", 1)[0]
        assert _tokens(dana) and _tokens(sam) and not _tokens(dana) & _tokens(sam)
        assert _owner_cell(dana, scene.complaint.id).strip().startswith("Dana Ortiz (you)")
        assert "(you)" not in _owner_cell(sam, scene.complaint.id)
        assert queue_counts(dana)["mine"] == 1
        assert queue_counts(sam)["mine"] == 0

    dana_case, sam_case = client.get(scene.page).text, other_client.get(scene.page).text
    assert "Take it</button>" not in dana_case  # Dana owns it
    assert "Take it</button>" in sam_case
    assert not _tokens(dana_case) & _tokens(sam_case)
    # A fresh key for each visit's reply form: a second reply is not taken for the first again.
    again = client.get(scene.page).text
    assert _form_keys(dana_case) and _form_keys(dana_case) != _form_keys(again)


def test_a_change_by_one_rep_is_on_the_next_page_of_another(
    db, client, other_client, scene
) -> None:
    login(client, scene.owner)
    login(other_client, scene.agent)
    before = other_client.get(QUEUE).text
    assert "nobody yet" in _owner_cell(before, scene.complaint.id)
    assert "We are refunding you today." not in other_client.get(scene.page).text

    post_form(client, f"{scene.page}/assign", {"assignee_id": str(scene.owner.id)}, page=scene.page)
    assert _owner_cell(other_client.get(QUEUE).text, scene.complaint.id).strip() == "Dana Ortiz"

    replied = post_form(
        client,
        f"{scene.page}/reply",
        {"body": "We are refunding you today.", "submission_key": "k1"},
        page=scene.page,
    )
    assert replied.status_code == 303
    assert "We are refunding you today." in other_client.get(scene.page).text
    # The writer sees it at once too (and a new complaint in the queue: its count moves).
    make_complaint(db, company_name="Acme", title="A second one")
    db.commit()
    assert "A second one" in client.get(QUEUE).text


def test_a_kept_page_shows_private_references_to_the_company_s_reps_only(
    db, client, other_client, scene
) -> None:
    login(client, scene.owner)
    assert "ACC-991" in client.get(QUEUE).text  # kept with the reference in it
    assert "ACC-991" in client.get(scene.page).text

    admin = make_user(db, is_admin=True)
    db.commit()
    login(other_client, admin)
    for path in (QUEUE, scene.page):
        page = other_client.get(path)
        assert page.status_code == 200 and "read only" in page.text
        assert "ACC-991" not in page.text
        assert "Dana Ortiz (you)" not in page.text

    login(other_client, scene.globex_rep)
    assert other_client.get(QUEUE).status_code == 403
    assert other_client.get(scene.page).status_code == 403
    globex = other_client.get("/dashboard/globex").text
    assert "GLX-7" in globex and "ACC-991" not in globex


def test_a_change_to_the_team_is_on_the_next_page(db, client, scene) -> None:
    """Reps' names and saved replies are kept with the page; renaming a rep moves the company's
    stamp (app/companies/team_stamp.py), so the next page shows the new name."""
    login(client, scene.owner)
    assert "Sam Lee" in client.get(QUEUE).text
    acme = db.get(Company, scene.acme.id)
    stamp = acme.team_changed_at
    member = db.exec(select(CompanyMember).where(CompanyMember.user_id == scene.agent.id)).one()
    member.public_name = "Samuel Lee"
    db.add(member)
    db.commit()
    db.refresh(acme)
    assert acme.team_changed_at != stamp
    page = client.get(QUEUE).text
    assert "Samuel Lee" in page and "Sam Lee<" not in page
