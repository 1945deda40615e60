"""Saved views: a rep saves the queue's current search under a name, finds it listed on the
queue (their own only), opens it, and deletes it."""

import re

from tests.support.dashboard import queue_ids
from tests.support.factories import login
from tests.support.forms import post_form

QUEUE = "/dashboard/acme?queue=all&q=ACC-991&sort=newest"


def test_save_list_open_and_delete_a_view(db, client, other_client, scene):
    login(client, scene.agent)
    query = "queue=all&q=ACC-991&sort=newest&evil=1"
    saved = post_form(
        client, "/dashboard/acme/views", {"name": "Account 991", "query": query}, page=QUEUE
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/dashboard/acme?queue=all&q=ACC-991&sort=newest"
    page = client.get("/dashboard/acme").text
    link = re.search(r'<a href="([^"]+)" data-view="(\d+)">Account 991</a>', page)
    assert link is not None and "evil" not in link.group(1)
    assert queue_ids(client.get(link.group(1).replace("&amp;", "&")).text) == [scene.complaint.id]
    # The same name twice is refused; nothing else changes.
    again = post_form(
        client, "/dashboard/acme/views", {"name": "Account 991", "query": ""}, page=QUEUE
    )
    assert "already have a view" in client.get(again.headers["location"]).text
    # Another rep does not see it, and cannot delete it.
    login(other_client, scene.owner)
    assert "Account 991" not in other_client.get("/dashboard/acme").text
    view_id = link.group(2)
    refused = post_form(
        other_client, f"/dashboard/acme/views/{view_id}/delete", {}, page="/dashboard/acme"
    )
    assert refused.status_code == 404
    gone = post_form(client, f"/dashboard/acme/views/{view_id}/delete", {}, page="/dashboard/acme")
    assert gone.status_code == 303
    assert "Account 991" not in client.get("/dashboard/acme").text
