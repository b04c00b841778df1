"""ClientLogHandler: what reaches the client's log channel, and when."""

from __future__ import annotations

import asyncio
import logging

from llmops_ls.lsp.logging import INFO_DELAY_SECONDS, ClientLogHandler


def record(level: int, message: str) -> logging.LogRecord:
    """A record of `llmops_ls.test` at `level`."""
    return logging.LogRecord("llmops_ls.test", level, __file__, 1, message, None, None)


def attached() -> tuple[ClientLogHandler, list[tuple[int, str]]]:
    """A handler attached on the running loop, and what it has sent."""
    sent: list[tuple[int, str]] = []
    handler = ClientLogHandler()
    loop = asyncio.get_running_loop()
    handler.attach(lambda level, text: sent.append((level, text)), loop.call_soon)
    return handler, sent


async def test_info_lines_go_out_together_shortly_after() -> None:
    handler, sent = attached()

    handler.emit(record(logging.INFO, "first"))
    handler.emit(record(logging.INFO, "second"))
    await asyncio.sleep(0)
    assert sent == []

    await asyncio.sleep(INFO_DELAY_SECONDS * 4)
    assert sent == [
        (logging.INFO, "llmops_ls.test: first"),
        (logging.INFO, "llmops_ls.test: second"),
    ]


async def test_a_warning_goes_out_at_once_after_what_waits() -> None:
    handler, sent = attached()

    handler.emit(record(logging.INFO, "context"))
    handler.emit(record(logging.WARNING, "trouble"))

    assert [text for _, text in sent] == [
        "llmops_ls.test: context",
        "llmops_ls.test: trouble",
    ]
    await asyncio.sleep(INFO_DELAY_SECONDS * 4)
    assert len(sent) == 2


async def test_detaching_sends_what_waits() -> None:
    handler, sent = attached()

    handler.emit(record(logging.INFO, "last words"))
    handler.detach()
    handler.emit(record(logging.INFO, "after"))
    await asyncio.sleep(INFO_DELAY_SECONDS * 4)

    assert [text for _, text in sent] == ["llmops_ls.test: last words"]


def test_a_line_after_the_loop_ended_goes_out_at_once() -> None:
    async def attach() -> tuple[ClientLogHandler, list[tuple[int, str]]]:
        return attached()

    handler, sent = asyncio.run(attach())
    handler.emit(record(logging.INFO, "late"))

    assert sent == [(logging.INFO, "llmops_ls.test: late")]
