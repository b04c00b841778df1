"""Which stdin the server reads from its event loop, and which it leaves to pygls."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from llmops_ls.lsp.stdio import watchable


def test_separate_pipes_are_read_from_the_loop() -> None:
    stdin_read, stdin_write = os.pipe()
    stdout_read, stdout_write = os.pipe()
    try:
        assert watchable(stdin_read, stdout_write)
    finally:
        for fd in (stdin_read, stdin_write, stdout_read, stdout_write):
            os.close(fd)


def test_a_regular_file_is_left_to_pygls(tmp_path: Path) -> None:
    path = tmp_path / "input"
    path.write_bytes(b"")
    read_pipe, write_pipe = os.pipe()
    with path.open("rb") as stdin:
        try:
            assert not watchable(stdin.fileno(), write_pipe)
        finally:
            os.close(read_pipe)
            os.close(write_pipe)


def test_one_socket_for_both_directions_is_left_to_pygls() -> None:
    # Non-blocking reads would make the shared socket non-blocking for writes too.
    ours, theirs = socket.socketpair()
    with ours, theirs:
        duplicate = os.dup(ours.fileno())
        try:
            assert not watchable(ours.fileno(), duplicate)
        finally:
            os.close(duplicate)
