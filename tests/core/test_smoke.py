from tests.support.factories import login, make_complaint, make_user


def test_complaint_page_shows_the_ticket(client, db):
    complaint = make_complaint(db, title="Router dead for a week")
    response = client.get(f"/complaints/{complaint.id}")
    assert response.status_code == 200
    assert "Router dead for a week" in response.text


def test_login_then_my_complaints(client, db):
    user = make_user(db)
    make_complaint(db, user, title="Mine and only mine")
    login(client, user)
    assert "Mine and only mine" in client.get("/me/complaints").text
