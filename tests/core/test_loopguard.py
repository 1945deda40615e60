"""A page tried on the event loop never runs a statement there: its first one sends the whole
page to a thread, which answers it in full."""

import asyncio
import threading

import anyio
from sqlalchemy import text
from sqlmodel import Session

from app.loopguard import NeedsThread, on_loop_first


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_a_page_that_needs_no_query_answers_on_the_loop():
    async def main() -> tuple[bool, str]:
        return await on_loop_first(lambda: (_on_loop(), "kept body"), try_loop=True)

    assert anyio.run(main) == (True, "kept body")


def test_a_page_that_queries_is_run_again_in_a_thread_and_answers_in_full(engine):
    tries: list[tuple[str, bool]] = []

    def page() -> int:
        tries.append((threading.current_thread().name, _on_loop()))
        with Session(engine) as session:
            return session.exec(text("SELECT 41 + 1")).one()[0]  # type: ignore[call-overload]

    async def main() -> int:
        return await on_loop_first(page, try_loop=True)

    assert anyio.run(main) == 42
    assert [on_loop for _, on_loop in tries] == [True, False]  # refused on the loop, then a thread
    assert tries[0][0] != tries[1][0]


def test_without_try_loop_the_page_goes_straight_to_a_thread():
    async def main() -> bool:
        return await on_loop_first(_on_loop, try_loop=False)

    assert anyio.run(main) is False


def test_no_except_exception_on_the_way_can_swallow_the_refusal(engine):
    def page() -> str:
        try:
            with Session(engine) as session:
                session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        except Exception:
            return "drawn without its rows"
        return "drawn with its rows"

    async def main() -> str:
        return await on_loop_first(page, try_loop=True)

    assert anyio.run(main) == "drawn with its rows"
    assert issubclass(NeedsThread, BaseException) and not issubclass(NeedsThread, Exception)
