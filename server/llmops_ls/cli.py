"""The `llmops-ls` command line: argument parsing, logging to stderr, subcommands.

Exit status: 0 when nothing at or above `--fail-on` was found, 1 when something was,
2 for a usage error, an invalid configuration, or an internal error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llmops_ls import __version__
from llmops_ls.errors import ConfigError, LlmopsError, UsageError

logger = logging.getLogger("llmops_ls")

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


def _help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's help formatter, sized to the terminal as argparse itself would.

    argparse asks `shutil` for the width (importing it, and compression modules with
    it, on every run, help or not); `os` answers the same question.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    else:
        stream = sys.__stdout__
        try:
            width = os.get_terminal_size(stream.fileno()).columns if stream else 80
        except (OSError, ValueError):
            width = 80
    return argparse.HelpFormatter(prog, width=max(width - 2, 11))


class _Parser(argparse.ArgumentParser):
    """An argument parser whose subcommands' parsers share its help formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _help_formatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(
        prog="llmops-ls",
        description="Lint AI-assistant rules files; serve them to editors over LSP.",
    )
    parser.add_argument(
        "--version", action="version", version=f"llmops-ls {__version__}"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug details"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    lint = commands.add_parser("lint", help="lint the rules files under the paths")
    lint.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: .)"
    )
    lint.add_argument("--format", choices=FORMATS, default="text")
    lint.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "hint"),
        default="error",
        help="lowest severity that makes the exit status 1 (default: error)",
    )
    lint.add_argument("--fix", action="store_true", help="apply safe fixes")
    lint.add_argument("--diff", action="store_true", help="show safe fixes as a diff")
    lint.add_argument(
        "--unsafe-fixes", action="store_true", help="also apply fixes marked unsafe"
    )
    lint.add_argument("--select", help="comma-separated rules to run (names or codes)")
    lint.add_argument("--ignore", help="comma-separated rules to skip (names or codes)")
    lint.add_argument(
        "--config", type=Path, help="project file to use instead of lookup"
    )
    lint.add_argument("--no-color", action="store_true", help="plain text output")
    lint.add_argument(
        "--no-cache",
        action="store_true",
        help="lint every file, neither reading nor writing the findings cache",
    )

    rules = commands.add_parser("rules", help="show the rule catalogue or one rule")
    rules.add_argument("code", nargs="?", help="a rule code or name")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    route = commands.add_parser(
        "route", help="read a request as JSON on stdin, print its routing decision"
    )
    route.add_argument("--developer", help="developer for canaries (default: $USER)")
    route.add_argument("--team", help="team the request is attributed to")

    flush = commands.add_parser(
        "flush", help="upload pending telemetry now and print what was sent"
    )
    flush.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to keep trying (60)"
    )

    report = commands.add_parser("report", help="report on the local telemetry")
    report.add_argument("--since", help="7d, 12h, 2w or a date (default: all)")
    report.add_argument("--format", choices=("text", "json", "html"), default="text")

    serve = commands.add_parser("serve", help="run the language server on stdio")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (debugging)")
    serve.add_argument("--stdio", action="store_true", help="stdio (the default)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="llmops-ls: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "lint":
            return run_lint(args)
        if args.command == "rules":
            return run_rules(args)
        if args.command == "serve":
            return run_serve(args)
        if args.command == "route":
            return run_route(args)
        if args.command == "flush":
            return run_flush(args)
        if args.command == "report":
            return run_report(args)
    except ConfigError as exc:
        sys.stderr.write(f"llmops-ls: invalid configuration: {exc}\n")
        return EXIT_ERROR
    except LlmopsError as exc:
        sys.stderr.write(f"llmops-ls: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    parser.error(f"unknown command {args.command}")
    return EXIT_ERROR  # pragma: no cover - parser.error exits


def run_lint(args: argparse.Namespace) -> int:
    """`llmops-ls lint`."""
    from llmops_ls.lint_command import LintOptions, lint

    paths = args.paths or [Path(".")]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    options = LintOptions(
        paths=paths,
        output_format=args.format,
        fail_on=args.fail_on,
        fix=args.fix,
        diff=args.diff,
        unsafe_fixes=args.unsafe_fixes,
        select=_split(args.select),
        ignore=_split(args.ignore),
        config=args.config,
        cache=not args.no_cache,
        colour=not args.no_color
        and sys.stdout.isatty()
        and "NO_COLOR" not in os.environ,
    )
    return lint(options, sys.stdout)


def run_rules(args: argparse.Namespace) -> int:
    """`llmops-ls rules [CODE]`."""
    from llmops_ls.linter import catalogue
    from llmops_ls.rules_doc import rule_dict, rule_text

    rules = sorted(catalogue.load().values(), key=lambda r: r.code)
    if args.code:
        rule = catalogue.resolve(args.code)
        if rule is None:
            raise UsageError(
                f"unknown rule {args.code!r}; `llmops-ls rules` lists them"
            )
        rules = [rule]
    if args.format == "json":
        payload = [rule_dict(r) for r in rules]
        sys.stdout.write(json.dumps(payload if not args.code else payload[0], indent=2))
        sys.stdout.write("\n")
        return EXIT_CLEAN
    if args.code:
        sys.stdout.write(rule_text(rules[0]))
        return EXIT_CLEAN
    width = max(len(r.name) for r in rules)
    for r in rules:
        sys.stdout.write(
            f"{r.code}  {r.name:<{width}}  {r.severity.label:<7}  {r.summary}\n"
        )
    return EXIT_CLEAN


def run_serve(args: argparse.Namespace) -> int:
    """`llmops-ls serve`: the language server; nothing else may write to stdout."""
    from llmops_ls.app import serve

    serve(args.tcp, verbose=args.verbose)
    return EXIT_CLEAN


def run_route(args: argparse.Namespace) -> int:
    """`llmops-ls route`: exit 0 when routed, 1 when a budget refuses the request."""
    from llmops_ls.route_command import route
    from llmops_ls.routing.router import Caller

    developer = args.developer or os.environ.get("USER") or "unknown"
    return route(sys.stdin, sys.stdout, Caller(developer, args.team))


def run_flush(args: argparse.Namespace) -> int:
    """`llmops-ls flush`: exit 0 when nothing is left pending, 1 otherwise."""
    from llmops_ls.telemetry.commands import flush

    return flush(sys.stdout, deadline_seconds=args.timeout)


def run_report(args: argparse.Namespace) -> int:
    """`llmops-ls report`: the local telemetry as text, JSON or HTML."""
    from llmops_ls.telemetry.commands import report

    return report(sys.stdout, args.since, args.format)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]
