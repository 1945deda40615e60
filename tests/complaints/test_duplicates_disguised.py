"""The duplicate check compares what readers see: look-alike letters, invisible characters,
reordered sentences and padding do not make a second complaint out of the same one."""

import pytest

from app.complaints import gate
from app.complaints import service as complaints
from tests.support.factories import complaint_data, make_user

TITLE = "Charged twice for the March bill"
BODY = (
    "My card was charged twice for the March bill. I called support three times and was told "
    "a refund would follow within five days. Nothing arrived and the second charge is still "
    "on my statement. Their chat closed my case without an answer."
)
SENTENCES = [s.strip() + "." for s in BODY.split(".") if s.strip()]
PADDING = (
    " Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."
)

# Latin a, c, e, o, p, x, y and their Cyrillic look-alikes.
CYRILLIC = str.maketrans("aceopxy", "\u0430\u0441\u0435\u043e\u0440\u0445\u0443")
DISGUISES = {
    "cyrillic look-alikes": (TITLE.translate(CYRILLIC), BODY.translate(CYRILLIC)),
    "zero-width joiners": (TITLE, "\u200d".join(BODY[i : i + 3] for i in range(0, len(BODY), 3))),
    "reordered sentences": (TITLE, " ".join(reversed(SENTENCES))),
    "padding": (TITLE, BODY + PADDING * 2),
    "markdown and entities": (TITLE, BODY.replace(" ", "&#32;").replace("e", "&#101;")),
}


def _file(db, author, key, title=TITLE, body=BODY):
    data = complaint_data(accept_new_company=True, title=title, body=body, submission_key=key)
    return complaints.file(session=db, author=author, data=data)


@pytest.mark.parametrize("disguise", sorted(DISGUISES))
def test_a_disguised_copy_is_refused(db, disguise):
    author = make_user(db)
    _file(db, author, "first")
    title, body = DISGUISES[disguise]
    with pytest.raises(gate.DuplicateComplaint):
        _file(db, author, "second", title=title, body=body)


def test_a_different_problem_with_shared_words_is_not_a_duplicate(db):
    author = make_user(db)
    _file(db, author, "first")
    _file(
        db,
        author,
        "second",
        title="Broadband down for the March bill period",
        body=(
            "My broadband was down for two weeks in March. I called support three times and "
            "an engineer was booked twice but never came. I want the days without service "
            "taken off the bill."
        ),
    )


def test_similarity_is_set_based_and_normalised():
    cutoff = 90
    mine = gate._text(TITLE, BODY)
    for title, body in DISGUISES.values():
        assert gate.similar(mine, gate._text(title, body), cutoff)
