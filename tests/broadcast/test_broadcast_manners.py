"""Good manners: a first switch-on with a backlog of 500 complaints posts at a pace within each
network's budget, resolutions before milestones, and summarises stale milestones in one post."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.broadcast import budget, delivery, digest, schedule
from app.broadcast.fake import FakeAdapter
from app.events import muted
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.job import Job
from tests.support.broadcast import T0, run_due
from tests.support.factories import make_complaint, make_user

NOW = T0 + timedelta(days=400)


@pytest.fixture
def networks(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeAdapter]:
    fakes = {"bluesky": FakeAdapter("bluesky"), "mastodon": FakeAdapter("mastodon")}
    monkeypatch.setattr(delivery, "_cache", fakes)
    return fakes


async def test_a_backlog_of_500_is_paced_within_budget_and_stale_ones_summarised(
    db: Session, networks: dict[str, FakeAdapter], capsys: pytest.CaptureFixture[str]
) -> None:
    author = make_user(db)
    with muted():  # complaints from before the broadcaster existed: nothing planned for them
        for n in range(500):
            if n % 5 == 0:  # 100 whose 7-day milestone fell due in the last two days
                filed = NOW - timedelta(days=7, minutes=5 * n)
            else:  # 400 whose latest milestone is weeks or months old
                filed = NOW - timedelta(days=70 + n % 300)
            make_complaint(db, author, now=filed, broadcast_opt_in=True, title=f"Backlog {n}")
    queued = schedule.scan(session=db, now=NOW)
    assert len(queued) == 100 * 2  # fresh milestones only, on both networks
    skipped = db.exec(select(Broadcast).where(Broadcast.status == BroadcastStatus.SKIPPED)).all()
    assert len(skipped) == 400 * 2
    (catch_up, _) = sorted(
        db.exec(select(Job).where(Job.kind == digest.POST_KIND)).all(), key=lambda j: j.key
    )
    assert catch_up.payload["catch_up"] == 400
    assert "400 complaints" in digest.post_for(db, payload=catch_up.payload, record_key="k").text

    posted_at: dict[str, list] = {"bluesky": [], "mastodon": []}
    now = NOW
    while now < NOW + timedelta(hours=8):
        before = {name: len(fake.posts) for name, fake in networks.items()}
        await run_due(db, now)
        for name, fake in networks.items():
            posted_at[name] += [now] * (len(fake.posts) - before[name])
        now += timedelta(minutes=1)

    for name, times in posted_at.items():
        assert len(times) == 100  # everything got out, in the end
        rate = budget.per_hour(name)
        burst = rate * budget.BURST_HOURS
        per_hour = Counter(int((t - NOW).total_seconds() // 3600) for t in times)
        assert max(per_hour.values()) <= rate + burst  # never more than an hour's budget
        assert times[-1] - times[0] >= timedelta(hours=100 / rate - 1)  # spread, not a burst
        with capsys.disabled():
            hours = (times[-1] - times[0]).total_seconds() / 3600
            print(
                f"\n{name}: 100 backlog posts over {hours:.1f} h, busiest hour "
                f"{max(per_hour.values())} (budget {rate:.0f}/h)"
            )
