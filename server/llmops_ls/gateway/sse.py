"""Server-sent events: the `data` of each event from a stream of lines."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator


async def events(lines: AsyncIterable[str]) -> AsyncIterator[str]:
    """The data of each event; comments, `event:`, `id:` and `retry:` fields skipped."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value.removeprefix(" "))
    if data:
        yield "\n".join(data)
