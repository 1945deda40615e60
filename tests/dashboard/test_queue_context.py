"""A rep working through a queue keeps their place in it: "take it, then open the next" goes on
to the next complaint of the same view, and an action that is refused (a closed complaint, a
rep who cannot be given it) comes back with the view's search, filters, sort and page intact."""

import re
from datetime import timedelta

from app.clock import utcnow
from app.complaints import company as company_side
from app.models.complaint import ResolutionType
from tests.conftest import post_form
from tests.dashboard.test_dashboard import scene  # noqa: F401 - fixture
from tests.factories import login, make_complaint

VIEW = "queue=all&q=Broadband&sort=newest&page=2"


def _queue_link(html: str, complaint_id: int) -> str:
    found = re.search(rf'href="(/dashboard/acme/complaints/{complaint_id}\?[^"]*)"', html)
    return found.group(1).replace("&amp;", "&")


def test_take_it_then_open_the_next_in_the_same_view(db, client, scene):  # noqa: F811
    now = utcnow()
    first = make_complaint(db, company_name="Acme", now=now - timedelta(days=3))
    second = make_complaint(db, company_name="Acme", now=now - timedelta(days=2))
    db.commit()
    login(client, scene.agent)
    link = _queue_link(client.get("/dashboard/acme?queue=unassigned").text, first.id)
    page = client.get(link).text
    assert "Take it, then open the next" in page
    taken = post_form(
        client,
        f"/dashboard/acme/complaints/{first.id}/assign",
        {"assignee_id": str(scene.agent.id), "then": "next", "from": "queue=unassigned"},
        page=link,
    )
    opened = client.get(taken.headers["location"], follow_redirects=False)
    # Taken, it left "unassigned": the next one is the queue's new top one, in the same view.
    assert opened.headers["location"] == f"/dashboard/acme/complaints/{second.id}?queue=unassigned"
    db.refresh(first)
    assert first.assignee_id == scene.agent.id
    # Plain "Take it" stays on the complaint, in the same view.
    stay = post_form(
        client,
        f"/dashboard/acme/complaints/{second.id}/assign",
        {"assignee_id": str(scene.agent.id), "from": "queue=unassigned"},
        page=f"/dashboard/acme/complaints/{second.id}?queue=unassigned",
    )
    assert stay.headers["location"] == f"/dashboard/acme/complaints/{second.id}?queue=unassigned"
    # Its own "take" buttons are gone once it is theirs.
    assert "data-take-next" not in client.get(stay.headers["location"]).text


def test_a_refused_action_keeps_the_queue_view(db, client, scene):  # noqa: F811
    company_side.resolve(
        session=db,
        complaint=scene.complaint,
        user=scene.owner,
        resolution_type=ResolutionType.EXPLANATION,
    )
    db.commit()
    login(client, scene.agent)
    page = f"{scene.page}?{VIEW}"
    # Resolving it again is refused (it is already resolved): the page comes back with the error,
    # the text typed, and every way back to the queue still on the rep's view and page.
    refused = post_form(
        client,
        f"{scene.page}/resolve",
        {"resolution_type": "explanation", "message": "Sorted, thanks.", "from": VIEW},
        page=page,
    )
    assert refused.status_code == 409
    assert "Sorted, thanks." in refused.text
    back = re.search(r'href="(/dashboard/acme\?[^"#]*)#row-', refused.text).group(1)
    assert back.replace("&amp;", "&") == f"/dashboard/acme?{VIEW}"
    hidden = re.findall(r'name="from" value="([^"]*)"', refused.text)
    assert hidden and {h.replace("&amp;", "&") for h in hidden} == {VIEW}
    nxt = re.search(r'href="(/dashboard/acme/next\?[^"]*)"', refused.text).group(1)
    assert "q=Broadband" in nxt and "sort=newest" in nxt

    # An assignment refused (not one of the company's reps) is shown the same way.
    stranger = post_form(
        client,
        f"{scene.page}/assign",
        {"assignee_id": str(scene.globex_rep.id), "from": VIEW},
        page=page,
    )
    assert stranger.status_code == 400
    assert "active representatives" in stranger.text
    assert f'href="/dashboard/acme?{VIEW.replace("&", "&amp;")}#row-' in stranger.text

    # A note that succeeds comes back to the complaint in the same view.
    noted = post_form(
        client, f"{scene.page}/note", {"note": "Called them.", "from": VIEW}, page=page
    )
    assert noted.headers["location"] == f"{scene.page}?{VIEW}"


def test_the_queue_links_carry_the_page_and_come_back_to_the_row(db, client, scene):  # noqa: F811
    now = utcnow()
    for n in range(25):
        make_complaint(db, company_name="Acme", now=now - timedelta(days=1, minutes=n))
    db.commit()
    login(client, scene.agent)
    second_page = client.get("/dashboard/acme?queue=open&sort=newest&page=2").text
    row = int(re.findall(r'data-complaint="(\d+)"', second_page)[0])
    assert f'id="row-{row}"' in second_page
    link = _queue_link(second_page, row)
    assert "page=2" in link and "sort=newest" in link
    back = re.search(r'href="(/dashboard/acme\?[^"]*#row-\d+)"', client.get(link).text).group(1)
    assert back.replace("&amp;", "&") == f"/dashboard/acme?queue=open&sort=newest&page=2#row-{row}"
