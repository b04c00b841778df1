"""Runs the checks over documents and applies suppressions and settings.

A check that raises is logged with its traceback and skipped; the other checks' findings
are still returned, and the failure is listed in `LintResult.failures` so that the
command line can exit with status 2.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llmops_ls.linter import checks
from llmops_ls.linter.finding import Finding
from llmops_ls.linter.settings import LintSettings
from llmops_ls.linter.workspace import Reads, Workspace

if TYPE_CHECKING:
    from llmops_ls.linter.context import CheckContext
    from llmops_ls.linter.document import RulesDocument
    from llmops_ls.linter.resultcache import ResultCache
    from llmops_ls.linter.suppressions import Suppression

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """A check that raised on a document."""

    path: str
    check: str
    error: str


@dataclass(slots=True)
class LintResult:
    """Findings of a run, sorted, with the files checked and any check failures.

    `reads` holds what linting each file read, when the run was asked to record it.
    """

    findings: list[Finding] = field(default_factory=list)
    files: list[RulesDocument] = field(default_factory=list)
    failures: list[CheckFailure] = field(default_factory=list)
    files_checked: int = 0
    reads: dict[Path, tuple[list[Finding], Reads]] = field(default_factory=dict)


def lint_paths(
    workspace: Workspace,
    paths: Iterable[Path] | None,
    settings: LintSettings,
    *,
    jobs: int = 1,
    cache: ResultCache | None = None,
) -> LintResult:
    """Discover the rules files under `paths` and lint each of them.

    With `jobs` above 1 and enough files, the files are shared out between forked
    worker processes; the documents then stay in the workers and `files` is empty
    (`files_checked` still counts them). A run that must load the token vocabulary
    lints in this process instead, beside a worker process loading it (see
    `_lint_counting`), or, with a single CPU to run on, loading it here. With a
    `cache`, files whose inputs have not changed since it was written keep their
    findings without being linted (nor kept in `files`), and the cache is brought up
    to date and saved.
    """
    discovered = workspace.discover(paths)
    if cache is None:
        return _lint_all(workspace, discovered, settings, jobs, record=False)

    from llmops_ls.linter.resultcache import listing_key

    listing = listing_key(workspace.all_files())
    kept: list[Finding] = []
    stale: list[Path] = []
    for path in discovered:
        found = cache.lookup(path, listing)
        if found is None:
            stale.append(path)
        else:
            kept.extend(found)
    result = _lint_all(workspace, stale, settings, jobs, record=True)
    failed = {failure.path for failure in result.failures}
    for path, (findings, reads) in result.reads.items():
        if workspace.relative(path) not in failed:
            cache.store(path, findings, reads, listing)
    if paths is None:
        cache.forget_missing(discovered)
    cache.save()
    result.reads.clear()
    result.findings.extend(kept)
    result.findings.sort(key=Finding.sort_key)
    result.files_checked = len(discovered)
    return result


PARALLEL_MIN_FILES = 64
# Other files to lint while a worker loads the vocabulary: with fewer, starting the
# worker (an interpreter, about 20 ms) costs more than the overlap saves.
OVERLAP_MIN_FILES = 32


def _lint_all(
    workspace: Workspace,
    paths: list[Path],
    settings: LintSettings,
    jobs: int,
    *,
    record: bool,
) -> LintResult:
    if not paths:
        return LintResult()
    uncounted = _uncounted(workspace, paths, settings)
    if uncounted and usable_cpus() < 2:
        # Nothing runs beside the lint: a worker loading the vocabulary would take
        # turns with it and add its start and the pipe traffic, and forked lints
        # would each load the vocabulary. It is loaded here, once.
        return _lint_here(
            workspace, paths, settings, keep_documents=True, record=record
        )
    forking = jobs > 1 and len(paths) >= PARALLEL_MIN_FILES and hasattr(os, "fork")
    if uncounted and len(paths) - len(uncounted) >= OVERLAP_MIN_FILES:
        if forking:
            return _lint_forked_counting(
                workspace, paths, uncounted, settings, jobs, record=record
            )
        return _lint_counting(workspace, paths, uncounted, settings, record=record)
    if forking:
        return _lint_forked(workspace, paths, settings, jobs, record=record)
    return _lint_here(workspace, paths, settings, keep_documents=True, record=record)


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity where the system tells it."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _uncounted(
    workspace: Workspace, paths: list[Path], settings: LintSettings
) -> set[Path]:
    """Files whose tokens the run will count, the vocabulary not being loaded yet.

    The size on disk bounds the tokens (see `tokens.upper_bound`), so only files over
    the file budget in bytes are read here; the check itself decides what it counts.
    """
    from llmops_ls.linter import tokens

    if tokens.DEFAULT_ENCODING in tokens.loaded_encodings():
        return set()
    budget = settings.budgets.file_tokens
    large = [path for path in paths if _size(path) > budget]
    if not large:
        return set()
    from llmops_ls.linter.bodies import uncounted
    from llmops_ls.linter.context import CheckContext

    context = CheckContext(workspace, settings)
    return {path for path in large if uncounted(workspace.document(path), context)}


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _lint_counting(
    workspace: Workspace,
    paths: list[Path],
    uncounted: set[Path],
    settings: LintSettings,
    *,
    record: bool,
) -> LintResult:
    """Lint here while a worker process loads the vocabulary, then count with it.

    Loading takes longer than linting a few hundred files, and holds the GIL: in a
    process of its own, started first, it runs beside the lint instead of before it,
    and once rather than in each forked lint process. The files to be counted come
    last, so that the lint waits for the vocabulary as late as it can.
    """
    from llmops_ls.linter import tokens

    order = {path: index for index, path in enumerate(paths)}
    ordered = [path for path in paths if path not in uncounted]
    ordered += [path for path in paths if path in uncounted]
    with tokens.counted_in_worker(start=tokens.DEFAULT_ENCODING):
        result = _lint_here(
            workspace, ordered, settings, keep_documents=True, record=record
        )
    result.files.sort(key=lambda doc: order.get(doc.path, len(order)))
    return result


def _lint_forked_counting(
    workspace: Workspace,
    paths: list[Path],
    uncounted: set[Path],
    settings: LintSettings,
    jobs: int,
    *,
    record: bool,
) -> LintResult:
    """Lint in forked children while a worker process loads the vocabulary.

    The worker is started before the fork, the files to be counted are kept for this
    process and linted after its share, so that the vocabulary is waited for as late
    as it can be. A child that needs a count after all (a load chain over its budget)
    loads the vocabulary itself rather than sharing this process's worker.
    """
    from llmops_ls.linter import tokens

    others = [path for path in paths if path not in uncounted]
    last = [path for path in paths if path in uncounted]
    with tokens.counted_in_worker(start=tokens.DEFAULT_ENCODING):
        return _lint_forked(workspace, others, settings, jobs, record=record, last=last)


def _lint_here(
    workspace: Workspace,
    paths: Sequence[Path],
    settings: LintSettings,
    *,
    keep_documents: bool,
    record: bool = False,
) -> LintResult:
    from llmops_ls.linter.context import CheckContext

    context = CheckContext(workspace, settings)
    result = LintResult(files_checked=len(paths))
    for path in paths:
        if record:
            workspace.start_recording()
        try:
            doc = workspace.document(path)
            findings, failures = lint_document(doc, context)
        finally:
            if record:
                reads = workspace.stop_recording()
        if record:
            result.reads[path] = (findings, reads)
        if keep_documents:
            result.files.append(doc)
        result.findings.extend(findings)
        result.failures.extend(failures)
    result.findings.sort(key=Finding.sort_key)
    return result


def _lint_forked(
    workspace: Workspace,
    paths: list[Path],
    settings: LintSettings,
    jobs: int,
    *,
    record: bool,
    last: Sequence[Path] = (),
) -> LintResult:
    """Lint shares of the files in forked children and this process, then merge.

    The first file is linted before forking, so that what every file needs once
    (the checks' modules, compiled patterns, memoised answers such as a project's
    always-applied rules) is made once and inherited, not made again in each child.
    Shares are of about the same size in bytes, this process's share counting the
    `last` files, which it lints after the rest of its share. A child that dies or
    sends nothing readable has its share linted here instead, so a failed fork costs
    time, never findings.
    """
    first = _lint_here(
        workspace, paths[:1], settings, keep_documents=False, record=record
    )
    shares = _shares(paths[1:], jobs, sum(_size(path) for path in last))
    children: list[tuple[int, int, list[Path]]] = []
    for share in shares[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: lint, send the result, leave without cleanup
            os.close(read_end)
            status = 0
            try:
                result = _lint_here(
                    workspace, share, settings, keep_documents=False, record=record
                )
                with os.fdopen(write_end, "wb") as pipe:
                    pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            except KeyboardInterrupt:
                # The whole process group got it: the parent reports the interrupt.
                status = 130
            except BaseException:
                logger.exception("lint worker failed")
                status = 1
            os._exit(status)
        os.close(write_end)
        children.append((pid, read_end, share))

    try:
        merged = first
        _merge(
            merged,
            _lint_here(
                workspace,
                [*shares[0], *last],
                settings,
                keep_documents=False,
                record=record,
            ),
        )
        while children:
            pid, read_end, share = children[0]
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
            os.waitpid(pid, 0)
            children.pop(0)
            try:
                part: LintResult = pickle.loads(data)
            except Exception:
                logger.warning("a lint worker sent no result; linting its files here")
                part = _lint_here(
                    workspace, share, settings, keep_documents=False, record=record
                )
            _merge(merged, part)
    finally:
        # Interrupted or failed here: stop the children still running and reap them,
        # so that none is left behind as a zombie.
        for pid, read_end, _ in children:
            os.close(read_end)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    merged.findings.sort(key=Finding.sort_key)
    return merged


def _shares(paths: list[Path], jobs: int, first_load: int) -> list[list[Path]]:
    """`paths` in `jobs` shares of about equal bytes, the first one starting with
    `first_load` bytes.

    Linting time goes with size more than with the number of files. Each file, the
    largest first, goes to the share with the fewest bytes so far; a share keeps the
    order of `paths`.
    """
    sizes = {path: max(_size(path), 1) for path in paths}
    loads = [first_load] + [0] * (jobs - 1)
    owner: dict[Path, int] = {}
    for path in sorted(paths, key=sizes.__getitem__, reverse=True):
        share = loads.index(min(loads))
        owner[path] = share
        loads[share] += sizes[path]
    return [[path for path in paths if owner[path] == share] for share in range(jobs)]


def _merge(merged: LintResult, part: LintResult) -> None:
    merged.findings.extend(part.findings)
    merged.reads.update(part.reads)
    merged.failures.extend(part.failures)
    merged.files_checked += part.files_checked


def lint_document(
    doc: RulesDocument, context: CheckContext
) -> tuple[list[Finding], list[CheckFailure]]:
    """All findings for one document after suppressions, and the checks that failed."""
    checks.load_all()  # on first use: a run served from the cache needs no check
    failures: list[CheckFailure] = []
    raw: list[Finding] = []
    for check in context.checks_for(doc.tool):
        if doc.read_error is not None and "file-unreadable" not in check.rules:
            continue
        try:
            found = check.function(doc, context)
            raw.extend(f for f in found if context.enabled(f.rule))
        except Exception as exc:  # one broken check must not silence the others
            logger.exception("check %s failed on %s", check.name, doc.relative)
            failures.append(CheckFailure(doc.relative, check.name, repr(exc)))
    return _apply_suppressions(doc, context, raw), failures


def _apply_suppressions(
    doc: RulesDocument, context: CheckContext, findings: list[Finding]
) -> list[Finding]:
    from llmops_ls.linter import suppressions

    items = suppressions.parse(doc)
    if not items:
        return sorted(findings, key=Finding.sort_key)
    kept: list[Finding] = []
    for finding in findings:
        silenced = False
        for item in items:
            if item.covers(finding.rule, finding.start.line):
                item.used.add(finding.rule)
                silenced = True
        if not silenced:
            kept.append(finding)
    if context.enabled("unused-suppression"):
        kept.extend(_unused(doc, context, items))
    return sorted(kept, key=Finding.sort_key)


def _unused(
    doc: RulesDocument, context: CheckContext, items: list[Suppression]
) -> Iterable[Finding]:
    for item in items:
        if item.unknown:
            names = ", ".join(item.unknown)
            yield context.finding(
                "unused-suppression",
                doc,
                item.start,
                item.end,
                f"suppression names unknown rules: {names}",
            )
        if item.rules is None:
            if not item.used:
                yield context.finding(
                    "unused-suppression",
                    doc,
                    item.start,
                    item.end,
                    f"`llmops-ls-{item.kind}` suppresses nothing here",
                )
            continue
        unused = sorted(
            rule for rule in item.rules - item.used if context.enabled(rule)
        )
        if unused:
            yield context.finding(
                "unused-suppression",
                doc,
                item.start,
                item.end,
                f"suppression of {', '.join(unused)} is unused: no such finding here",
            )
