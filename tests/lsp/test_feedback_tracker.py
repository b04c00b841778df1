"""The feedback tracker: explicit verdicts, and implicit rejections."""

from __future__ import annotations

import asyncio

from integration.helpers import ListSink
from llmops_ls.lsp.feedback import FeedbackTracker


def tracker(sink: ListSink, timeout_seconds: float = 30) -> FeedbackTracker:
    return FeedbackTracker(lambda: sink, timeout_seconds)


async def test_accepted_records_the_whole_length() -> None:
    sink = ListSink()
    feedback = tracker(sink)
    feedback.shown("r1", "file:///a.py", "inline_completion", 12)

    assert feedback.verdict("r1", "accepted")
    assert [(f.verdict, f.accepted_chars, f.implicit) for f in sink.feedback] == [
        ("accepted", 12, False)
    ]
    assert feedback.pending() == 0


async def test_partial_keeps_the_accepted_length() -> None:
    sink = ListSink()
    feedback = tracker(sink)
    feedback.shown("r1", None, "chat", 100)

    feedback.verdict("r1", "partial", 40)

    assert (sink.feedback[0].verdict, sink.feedback[0].accepted_chars) == (
        "partial",
        40,
    )


async def test_next_request_for_the_document_rejects_the_shown_one() -> None:
    sink = ListSink()
    feedback = tracker(sink)
    feedback.shown("r1", "file:///a.py", "inline_completion", 5)
    feedback.shown("r2", "file:///b.py", "inline_completion", 5)

    feedback.superseded("file:///a.py")

    assert [(f.request_id, f.verdict, f.implicit) for f in sink.feedback] == [
        ("r1", "rejected", True)
    ]
    assert not feedback.verdict("r1", "accepted")


async def test_unjudged_answer_is_rejected_after_the_timeout() -> None:
    sink = ListSink()
    feedback = tracker(sink, timeout_seconds=0.01)
    feedback.shown("r1", None, "chat", 5)

    await asyncio.sleep(0.05)

    assert [(f.verdict, f.implicit) for f in sink.feedback] == [("rejected", True)]


async def test_unknown_verdict_is_ignored() -> None:
    sink = ListSink()
    feedback = tracker(sink)
    feedback.shown("r1", None, "chat", 5)

    assert not feedback.verdict("r1", "loved-it")
    assert sink.feedback == [] and feedback.pending() == 1
