"""Two app processes and two workers on one PostgreSQL database: complaints filed concurrently
through both exist exactly once, and so does every broadcast; limits are shared through Redis."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func
from sqlmodel import Session, select

from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.complaint import Complaint
from app.models.job import Job, JobState
from tests.scaleout.client import (
    broadcast_env,
    complaint_json,
    file,
    logged_in,
    scan_now,
    seed,
    wait_until,
)
from tests.scaleout.cluster import Cluster
from tests.support.http_receiver import Reply, serve

USERS, PER_USER = 4, 12


def publishes(receiver) -> list[str]:
    return [r.json()["id"] for r in list(receiver.requests) if r.json().get("action") == "publish"]


def test_complaints_and_broadcasts_exist_exactly_once_across_processes(pg_url):
    with (
        serve() as receiver,
        Cluster.start(
            pg_url, apps=2, workers=2, env=broadcast_env(receiver.url("/hook"))
        ) as cluster,
    ):
        emails, companies = seed(cluster.engine, users=USERS, companies=2)

        def consumer(n: int) -> list[int]:
            # Alternate between the two app processes, one request each.
            sessions = [logged_in(url, emails[n]) for url in cluster.app_urls]
            ids = []
            for i in range(PER_USER):
                client, csrf = sessions[i % 2]
                data = complaint_json(companies[i % 2], n * PER_USER + i)
                response = file(client, csrf, data)
                assert response.status_code == 201, response.text
                # The same form sent again through the other process files nothing new.
                other, other_csrf = sessions[(i + 1) % 2]
                again = file(other, other_csrf, data)
                assert again.status_code == 201 and again.json()["id"] == response.json()["id"]
                ids.append(response.json()["id"])
            return ids

        with ThreadPoolExecutor(USERS) as pool:
            acknowledged = [i for ids in pool.map(consumer, range(USERS)) for i in ids]

        with Session(cluster.engine) as session:
            stored = session.exec(select(Complaint.id)).all()
        assert sorted(stored) == sorted(acknowledged)
        assert len(set(acknowledged)) == USERS * PER_USER

        scan_now(cluster.engine)
        scan_now(cluster.engine)  # two scans racing on two workers queue each post once

        def all_posted() -> bool:
            with Session(cluster.engine) as session:
                posted = session.exec(
                    select(func.count()).where(Broadcast.status == BroadcastStatus.POSTED)
                ).one()
                busy = session.exec(
                    select(func.count()).where(
                        Job.state.in_([JobState.PENDING, JobState.RUNNING]),
                        Job.kind.in_(["broadcast", "broadcast.scan"]),
                    )
                ).one()
            return posted == len(acknowledged) and busy == 0

        wait_until(all_posted)
        with Session(cluster.engine) as session:
            rows = session.exec(select(Broadcast.complaint_id, Broadcast.network)).all()
        assert sorted(c for c, _ in rows) == sorted(acknowledged)  # one post per complaint
        posted_ids = publishes(receiver)
        assert len(posted_ids) == len(acknowledged) == len(set(posted_ids))  # never twice


def test_rate_limits_are_shared_by_every_app_process(pg_url):
    with (
        serve() as receiver,
        Cluster.start(
            pg_url, apps=2, workers=0, env=broadcast_env(receiver.url("/hook"))
        ) as cluster,
    ):
        emails, _ = seed(cluster.engine, users=1, companies=0)
        statuses = []
        for n in range(5):  # wrong passwords, alternating processes; the limit is 3 a minute
            import httpx

            client = httpx.Client(base_url=cluster.app_urls[n % 2])
            from tests.scaleout.client import CSRF

            token = CSRF.search(client.get("/login").text).group(1)
            response = client.post(
                "/login",
                data={"email": emails[0], "password": "wrong password!", "csrf_token": token},
            )
            statuses.append(response.status_code)
            client.close()
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3:] == [429, 429]


def test_a_job_whose_worker_is_killed_is_finished_by_another(pg_url):
    with serve() as receiver:
        receiver.script(Reply(delay=20))  # the first publish hangs: its worker is mid-job
        env = {**broadcast_env(receiver.url("/hook")), "OUTCRY_JOB_LEASE_SECONDS": "3"}
        with Cluster.start(pg_url, apps=1, workers=1, env=env) as cluster:
            emails, companies = seed(cluster.engine, users=1, companies=1)
            client, csrf = logged_in(cluster.app_urls[0], emails[0])
            complaint_id = file(client, csrf, complaint_json(companies[0], 1)).json()["id"]
            scan_now(cluster.engine)
            wait_until(lambda: publishes(receiver))
            cluster.kill(cluster.workers[0])
            cluster.add_worker()

            def posted() -> Broadcast | None:
                with Session(cluster.engine) as session:
                    return session.exec(
                        select(Broadcast).where(
                            Broadcast.complaint_id == complaint_id,
                            Broadcast.status == BroadcastStatus.POSTED,
                        )
                    ).first()

            broadcast = wait_until(posted, timeout=60)

            def finished() -> Job | None:
                # The post is recorded first, the job's own outcome a moment later (its own
                # short transaction): wait for both.
                with Session(cluster.engine) as session:
                    job = session.exec(
                        select(Job).where(Job.payload["broadcast_id"].as_integer() == broadcast.id)
                    ).one()
                return job if job.state != JobState.RUNNING else None

            job = wait_until(finished, timeout=30)
            assert job.state == JobState.DONE and job.attempts == 2
            # The network saw the post twice, under one idempotency key, so it can drop the
            # repeat; Outcry itself records one post.
            keys = {r.headers["idempotency-key"] for r in receiver.requests}
            assert len(publishes(receiver)) == 2 and len(keys) == 1
