"""The ``outcry`` command: serve, migrate, load demo data, manage users."""

import getpass
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Outcry: public complaint tickets.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
claims_app = typer.Typer(help="Company claims.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")

ROOT = Path(__file__).resolve().parents[1]


def alembic_config(database_url: str | None = None):
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


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


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Run the web server."""
    import uvicorn

    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run the jobs that are due, then exit.")] = False,
) -> None:
    """Run a background worker (mail, webhooks, broadcasts). Any number may run at once."""
    import asyncio
    import signal

    from app.db import get_engine
    from app.jobs.worker import drain, run_forever

    if once:
        typer.echo(f"{asyncio.run(drain(engine=get_engine()))} jobs done.")
        return

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_forever(engine=get_engine(), stop=stop)

    asyncio.run(main())


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
