"""Where llmops-ls keeps what it can compute again: token counts, findings, rules."""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO


def cache_folder() -> Path | None:
    """`$LLMOPS_LS_CACHE_DIR` (empty: keep nothing), else the user's cache folder.

    Read on each call rather than at import, so that settings and tests can choose
    first.
    """
    explicit = os.environ.get("LLMOPS_LS_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "llmops-ls"


def load_pickle(handle: BinaryIO, allowed: Iterable[type]) -> object:
    """Unpickle a cache file that may only hold instances of `allowed` classes.

    A cache folder can be restored from elsewhere (a CI cache, a shared home), and a
    plain `pickle.load` would run whatever such a file names; this one refuses any
    class but ours, so a foreign file is an error, never code.
    """
    classes = {(cls.__module__, cls.__qualname__): cls for cls in allowed}

    class Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            found = classes.get((module, name))
            if found is None:
                raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")
            return found

    return Restricted(handle).load()


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Have `write` fill a temporary file beside `path`, then rename it over `path`.

    A run killed while writing leaves the previous file whole. Raises `OSError`.
    """
    import tempfile  # only when something is written

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def prune(folder: Path, keep: int, suffix: str = ".pickle") -> None:
    """Delete all but the `keep` most recently written `suffix` files of a folder.

    Each workspace, settings and build gets a file of its own, so without pruning a
    developer's folder would only grow.
    """
    try:
        entries = [
            e
            for e in os.scandir(folder)
            if e.name.endswith(suffix) and e.is_file(follow_symlinks=False)
        ]
    except OSError:
        return
    if len(entries) <= keep:
        return
    entries.sort(key=_written, reverse=True)
    for entry in entries[keep:]:
        # Another run may have removed or replaced it meanwhile.
        with contextlib.suppress(OSError):
            os.unlink(entry.path)


def _written(entry: os.DirEntry[str]) -> int:
    try:
        return entry.stat(follow_symlinks=False).st_mtime_ns
    except OSError:
        return 0
