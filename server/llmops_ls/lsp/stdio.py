"""The protocol on stdin and stdout, read from the event loop.

pygls reads stdin in its thread pool: each message costs three hand-offs to a thread
and back (two header lines and the body), and an inline completion comes with the
`didChange` before it, so six of them lie between a keystroke and the request to the
gateway. Here the event loop watches the pipe itself and a message already buffered
is read without waiting. Replies are written as pygls writes them.

A stdin the event loop cannot watch (a regular file, or any on Windows), or one that
shares its open file with stdout (a terminal, or one socket for both, which
non-blocking reads would turn non-blocking for writes too), is left to pygls' own
reader.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import threading
from typing import BinaryIO

from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

logger = logging.getLogger(__name__)


def start_io(server: LanguageServer) -> None:
    """Serve `server` on this process's stdin and stdout until the client exits."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    if not watchable(stdin.fileno(), stdout.fileno()):
        server.start_io()
        return

    # pygls' own start methods keep the event here; `shutdown` sets it.
    server._stop_event = stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(_serve(server, stdin, stop_event))
    except BrokenPipeError:
        logger.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # untyped in pygls


def watchable(stdin_fd: int, stdout_fd: int) -> bool:
    """Whether stdin can be read from the event loop without touching stdout."""
    if os.name != "posix":
        # Windows' event loop reads only pipes opened for overlapped I/O.
        return False
    try:
        read, written = os.fstat(stdin_fd), os.fstat(stdout_fd)
    except OSError:
        return False
    if not (stat.S_ISFIFO(read.st_mode) or stat.S_ISSOCK(read.st_mode)):
        return False
    return (read.st_dev, read.st_ino) != (written.st_dev, written.st_ino)


class _TurnTakingReader:
    """Reads from a stream, letting the event loop turn once before each read.

    A buffered message would otherwise be read at once, before the tasks the last
    one started have run a step: an `exit` sent right behind `shutdown` would end
    the process before `shutdown` was answered.
    """

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    async def readline(self) -> bytes:
        """The next line, newline included (empty at the end of the stream)."""
        await asyncio.sleep(0)
        return await self._stream.readline()

    async def readexactly(self, n: int) -> bytes:
        """The next `n` bytes."""
        await asyncio.sleep(0)
        return await self._stream.readexactly(n)


async def _serve(
    server: LanguageServer, stdin: BinaryIO, stop_event: threading.Event
) -> None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
    try:
        await run_async(
            stop_event=stop_event,
            reader=_TurnTakingReader(stream),
            protocol=server.protocol,
            logger=logger,
            error_handler=server.report_server_error,
        )
    except asyncio.IncompleteReadError:
        logger.error("the client closed the connection in the middle of a message")
