"""Next complaint: from the queue into a complaint, then after an action (or by the link) on to
the next one in the same queue, with the same filters and order."""

import re
from datetime import timedelta

from app.clock import utcnow
from tests.conftest import post_form
from tests.dashboard.test_dashboard import scene  # noqa: F401 - fixture
from tests.factories import login, make_complaint


def test_next_after_a_reply_stays_in_the_queue(db, client, scene):  # noqa: F811
    now = utcnow()
    first = make_complaint(db, company_name="Acme", now=now - timedelta(days=3))
    second = make_complaint(db, company_name="Acme", now=now - timedelta(days=2))
    db.commit()
    login(client, scene.agent)
    queue = client.get("/dashboard/acme?queue=unassigned").text
    link = re.search(rf'href="(/dashboard/acme/complaints/{first.id}\?[^"]*)"', queue).group(1)
    assert "queue=unassigned" in link
    page = client.get(link.replace("&amp;", "&"))
    assert "Next complaint" in page.text
    # Replying takes it (it leaves "unassigned"); "then open the next" opens the new top one.
    done = post_form(
        client,
        f"/dashboard/acme/complaints/{first.id}/reply",
        {"body": "We are on it.", "then": "next", "from": "queue=unassigned"},
        page=f"/dashboard/acme/complaints/{first.id}",
    )
    opened = client.get(done.headers["location"], follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/dashboard/acme/complaints/{second.id}?queue=unassigned"
    # The link walks the queue in its order: second, then the scene's own (the newest), then none.
    step = client.get(
        f"/dashboard/acme/next?after={second.id}&queue=unassigned", follow_redirects=False
    )
    assert step.headers["location"].startswith(f"/dashboard/acme/complaints/{scene.complaint.id}")
    end = client.get(
        f"/dashboard/acme/next?after={scene.complaint.id}&queue=unassigned&sort=due",
        follow_redirects=False,
    )
    assert end.headers["location"].startswith(f"/dashboard/acme/complaints/{second.id}")
    # Without the option, the rep stays on the complaint, still in the queue's view.
    stay = post_form(
        client,
        f"/dashboard/acme/complaints/{second.id}/reply",
        {"body": "Looking.", "from": "queue=unassigned"},
        page=f"/dashboard/acme/complaints/{second.id}",
    )
    assert stay.headers["location"] == f"/dashboard/acme/complaints/{second.id}?queue=unassigned"
    # Only the scene's complaint is left unassigned; after it there is nothing: back to the queue.
    last = client.get(
        f"/dashboard/acme/next?after={scene.complaint.id}&queue=unassigned", follow_redirects=False
    )
    assert last.headers["location"] == "/dashboard/acme?queue=unassigned"
    # Another company's rep cannot walk this queue.
    login(client, scene.globex_rep)
    assert (
        client.get(f"/dashboard/acme/next?after={first.id}", follow_redirects=False).status_code
        == 403
    )
