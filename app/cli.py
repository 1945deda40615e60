"""The ``outcry`` command: serve, migrate, load demo data, manage users."""

import getpass
from typing import Annotated

import typer

from app.schema import alembic_config

app = typer.Typer(help="Outcry: public complaint tickets.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
claims_app = typer.Typer(help="Company claims.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")
broadcast_app = typer.Typer(help="The social-network broadcaster.", no_args_is_help=True)
app.add_typer(broadcast_app, name="broadcast")


@app.callback()
def _wire() -> None:
    # Every command may emit events, queue or run jobs: connect them first. Imported here, like
    # everything the commands use, so the command starts without loading every domain.
    from app.startup import wire

    wire()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Roll migrations back to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)


def follow_served_address(host: str, port: int) -> str | None:
    """In development with no OUTCRY_BASE_URL, links (mail, feeds, exports, embeds, oEmbed)
    use the address actually served: `make run PORT=8101` links to port 8101, not 8000. The
    environment carries it to uvicorn's worker processes. Returns the address chosen."""
    import os

    from app.config import get_settings

    settings = get_settings()
    if settings.environment != "development" or settings.base_url_is_set:
        return None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a comparison
    if ":" in shown:
        shown = f"[{shown}]"
    os.environ["OUTCRY_BASE_URL"] = f"http://{shown}:{port}"
    get_settings.cache_clear()
    return os.environ["OUTCRY_BASE_URL"]


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Run the web server."""
    import uvicorn

    from app.config import get_settings
    from app.net import is_loopback_host

    if get_settings().environment == "development" and not is_loopback_host(host):
        # Development aids (the mailbox, the known secret key) must never face a network.
        raise typer.BadParameter(
            f"Development mode serves only on a loopback address (127.0.0.1, ::1, localhost), "
            f"not {host}. Set OUTCRY_ENVIRONMENT=production (and OUTCRY_SECRET_KEY) to serve "
            "on a network.",
            param_hint="--host",
        )
    follow_served_address(host, port)
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        # The client address has one reader, app/web/ratelimit.py:client_ip, which believes
        # X-Forwarded-For only from OUTCRY_TRUSTED_PROXIES; uvicorn must not rewrite the peer.
        proxy_headers=False,
        access_log=False,  # app/ops/requests.py logs each request with its request id
        # "Server: uvicorn" tells a scanner what to try and nobody else anything (OWASP,
        # docs/security-facts.md); each answer also carries one header fewer.
        server_header=False,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run the jobs that are due, then exit.")] = False,
) -> None:
    """Run a background worker (mail, webhooks, broadcasts). Any number may run at once."""
    import asyncio
    import signal

    from app.db import get_engine, make_worker_engine
    from app.jobs.worker import drain, run_forever

    if once:
        typer.echo(f"{asyncio.run(drain(engine=get_engine()))} jobs done.")
        return

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_forever(engine=make_worker_engine(), stop=stop)  # sized for its lanes

    asyncio.run(main())


@app.command("mail-in")
def mail_in(
    host: Annotated[str | None, typer.Option(help="Default: OUTCRY_MAIL_IN_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: OUTCRY_MAIL_IN_PORT.")] = None,
    lmtp: Annotated[
        bool | None, typer.Option("--lmtp/--smtp", help="Default: OUTCRY_MAIL_IN_LMTP.")
    ] = None,
) -> None:
    """Receive replies by SMTP or LMTP (docs/email-channel.md): a mail server hands them over."""
    import signal
    import threading

    from app.config import get_settings
    from app.db import get_engine
    from app.mailchannel.receiver import Receiver

    settings = get_settings()
    if not settings.mail_domain:
        raise typer.BadParameter("Set OUTCRY_MAIL_DOMAIN first: the domain replies come to.")
    use_lmtp = settings.mail_in_lmtp if lmtp is None else lmtp
    receiver = Receiver(
        get_engine(),
        host=host or settings.mail_in_host,
        port=port or settings.mail_in_port,
        lmtp=use_lmtp,
    )
    receiver.start()
    typer.echo(
        f"Receiving {'LMTP' if use_lmtp else 'SMTP'} on {receiver.hostname}:{receiver.port} "
        f"for reply+…@{settings.mail_domain}"
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    receiver.stop()


@app.command()
def demo(
    seed: int = 7,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if data exists.")
    ] = False,
) -> None:
    """Load realistic demo data (companies, complaints, timelines) into an empty database."""
    from sqlmodel import Session

    from app.db import get_engine
    from app.demo import DemoNotEmpty, load

    with Session(get_engine()) as session:
        try:
            summary = load(session=session, seed=seed)
        except DemoNotEmpty as exc:
            if if_empty:
                typer.echo("Demo data skipped: the database already has complaints.")
                return
            raise typer.BadParameter(str(exc)) from exc
        session.commit()
    typer.echo(summary)
    from app.stats.jobs import refresh_all  # demo loads mute events: compute the leaderboards

    typer.echo(f"Statistics: {refresh_all(get_engine())} companies computed.")
    systemic_rebuild(company=None)  # likewise the systemic issues on company pages


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Email address to log in with.")],
    name: Annotated[str | None, typer.Option(help="Public display name.")] = None,
    admin: bool = False,
) -> None:
    """Create an account; the password is asked for (or read from OUTCRY_NEW_PASSWORD)."""
    import os

    from sqlmodel import Session

    from app.accounts import service as accounts
    from app.db import get_engine
    from app.errors import Conflict

    password = os.environ.get("OUTCRY_NEW_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise typer.BadParameter(f"Use at least {accounts.MIN_PASSWORD_LENGTH} characters.")
    with Session(get_engine()) as session:
        try:
            user = accounts.create_user(
                session=session,
                email=email,
                password=password,
                display_name=name or email.split("@")[0],
                is_admin=admin,
            )
        except Conflict as exc:
            raise typer.BadParameter(exc.detail) from exc
        session.commit()
        typer.echo(f"Created user {user.id} <{user.email}>{' (admin)' if admin else ''}.")


@user_app.command("moderator")
def user_moderator(
    email: Annotated[str, typer.Option(help="The account's email address.")],
    revoke: Annotated[bool, typer.Option(help="Take the moderator role away.")] = False,
) -> None:
    """Make an account a moderator (app/moderation/), or stop it being one; audited."""
    from sqlmodel import Session

    from app import audit
    from app.accounts import service as accounts
    from app.db import get_engine

    with Session(get_engine()) as session:
        user = accounts.get_by_email(session=session, email=email)
        if user is None:
            raise typer.BadParameter(f"No account with the address {email}.")
        user.is_moderator = not revoke
        session.add(user)
        audit.record(
            session=session,
            actor=None,
            action="moderation.revoke_moderator" if revoke else "moderation.grant_moderator",
            target_type="user",
            target_id=user.id or 0,
            detail="command line",
        )
        session.commit()
        typer.echo(f"{user.email} is {'no longer' if revoke else 'now'} a moderator.")


@broadcast_app.command("setup")
def broadcast_setup() -> None:
    """Mark the broadcaster's accounts as automated: the Bluesky profile's ``bot`` self-label
    and the Mastodon account's bot flag. Safe to run again."""
    import asyncio

    from app.broadcast.networks import configured_adapters

    async def run() -> int:
        failures = 0
        for adapter in configured_adapters():
            mark = getattr(adapter, "mark_as_bot", None)
            try:
                if mark is not None:
                    typer.echo(await mark())
            except Exception as error:  # report every network, then fail
                failures += 1
                typer.echo(f"{adapter.name}: {error}", err=True)
            finally:
                await adapter.aclose()
        return failures

    if asyncio.run(run()):
        raise typer.Exit(1)


@claims_app.command("reverify")
def claims_reverify() -> None:
    """Re-check every verified DNS or website-file claim that is due now (the worker also does
    this daily); a claim whose proof is gone is suspended."""
    from app.claims.jobs import reverify_all
    from app.claims.verifier import get_verifier
    from app.db import get_engine

    report = reverify_all(get_engine(), get_verifier())
    typer.echo(
        f"Claims: {report.checked} re-checked, {report.suspended} suspended, "
        f"{report.inconclusive} could not be checked."
    )


# Statistics (app/stats): aggregates and monthly leaderboard snapshots.
stats_app = typer.Typer(help="Statistics and leaderboards.", no_args_is_help=True)
app.add_typer(stats_app, name="stats")


@stats_app.command("refresh")
def stats_refresh(
    dirty: Annotated[bool, typer.Option(help="Only companies changed since last time")] = False,
) -> None:
    """Recompute the leaderboard aggregates of every company (the worker does this daily, and
    for changed companies within a minute)."""
    from app.db import get_engine
    from app.stats.jobs import refresh_all, refresh_dirty

    done = refresh_dirty(get_engine()) if dirty else refresh_all(get_engine())
    typer.echo(f"Statistics: {done} companies recomputed.")


@stats_app.command("snapshot")
def stats_snapshot(
    month: Annotated[str, typer.Option(help="YYYY-MM, a month that is over")],
) -> None:
    """Freeze MONTH's leaderboard at /leaderboards/MONTH (refused if it exists: never changed)."""
    from sqlmodel import Session

    from app.db import get_engine
    from app.errors import Conflict
    from app.stats import snapshots

    try:
        snapshots.month_end(month)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    with Session(get_engine()) as session:
        try:
            snapshot = snapshots.take(session=session, month=month)
        except Conflict as exc:
            raise typer.BadParameter(exc.detail) from exc
        session.commit()
        typer.echo(f"Snapshot {snapshot.month} taken (methodology {snapshot.methodology_version}).")


@stats_app.command("dataset")
def stats_dataset() -> None:
    """Build today's public dataset into OUTCRY_DATASET_DIR now (the worker does it daily)."""
    import time

    from app.db import get_engine
    from app.stats import dataset

    started = time.perf_counter()
    built = dataset.build(get_engine())
    size = sum(p.stat().st_size for p in built.path.iterdir())
    counts = ", ".join(f"{n} {name}" for name, n in built.rows.items())
    typer.echo(
        f"Dataset {built.day} in {built.path}: {counts}; {size / 1e6:.1f} MB "
        f"in {time.perf_counter() - started:.1f} s."
    )


# Systemic issues (app/systemic) ----------------------------------------------------------------
systemic_app = typer.Typer(
    help="Systemic issues (near-identical complaints).", no_args_is_help=True
)
app.add_typer(systemic_app, name="systemic")


@systemic_app.command("rebuild")
def systemic_rebuild(
    company: Annotated[str | None, typer.Option(help="Only this company (its slug).")] = None,
) -> None:
    """Regroup near-identical complaints now, for one company or every company with complaints
    (the worker does this after each new complaint, and daily for changed ones)."""
    from sqlmodel import Session, col, select

    from app.companies import service as companies
    from app.db import get_engine
    from app.models.complaint import Complaint
    from app.models.keys import pk
    from app.systemic.jobs import rebuild

    engine = get_engine()
    with Session(engine) as session:
        if company:
            found = companies.get_by_slug(session=session, slug=company)
            if found is None:
                raise typer.BadParameter(f"There is no company {company!r}.")
            ids = [pk(found)]
        else:
            ids = list(
                session.exec(
                    select(Complaint.company_id).distinct().order_by(col(Complaint.company_id))
                )
            )
    groups = sum(rebuild(engine, company_id) for company_id in ids)
    typer.echo(f"{groups} systemic issues across {len(ids)} companies.")
