from linting import LintFiles

RULES = {"file-unreadable", "unused-suppression", "placeholder", "invalid-encoding"}
# `invalid-encoding` findings are easy to plant at an exact line, so they stand in for
# any rule in these tests.
BAD = b"caf\xe9\n"


def test_next_line_suppression_silences_only_the_next_line(
    lint_files: LintFiles,
) -> None:
    findings = lint_files(
        {"CLAUDE.md": b"<!-- llmops-ls-disable-next-line invalid-encoding -->\n" + BAD},
        rules=RULES,
    )
    assert findings == []


def test_suppression_by_code_works_like_by_name(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"CLAUDE.md": b"<!-- llmops-ls-disable-next-line LL002 -->\n\n" + BAD},
        rules=RULES,
    )
    assert findings == []


def test_range_suppression_ends_at_enable(lint_files: LintFiles) -> None:
    text = (
        b"<!-- llmops-ls-disable invalid-encoding -->\n"
        + BAD
        + b"<!-- llmops-ls-enable invalid-encoding -->\n"
        + b"ok\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules=RULES) == []


def test_file_suppression_covers_every_line(lint_files: LintFiles) -> None:
    text = b"intro\n\n\n" + BAD + b"<!-- llmops-ls-disable-file invalid-encoding -->\n"
    assert lint_files({"CLAUDE.md": text}, rules=RULES) == []


def test_unused_suppression_is_reported_where_it_is(lint_files: LintFiles) -> None:
    findings = lint_files(
        {
            "CLAUDE.md": "Intro.\n"
            "<!-- llmops-ls-disable-next-line invalid-encoding -->\nok\n"
        },
        rules=RULES,
    )
    assert [(f.rule, f.start.line) for f in findings] == [("unused-suppression", 1)]
    assert "invalid-encoding" in findings[0].message


def test_unknown_rule_in_suppression_is_reported(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"CLAUDE.md": "<!-- llmops-ls-disable-next-line no-such-rule -->\nok\n"},
        rules=RULES,
    )
    assert len(findings) == 1
    assert "no-such-rule" in findings[0].message


def test_suppression_does_not_reach_past_its_line(lint_files: LintFiles) -> None:
    text = b"<!-- llmops-ls-disable-next-line invalid-encoding -->\nfine\n" + BAD
    findings = lint_files({"CLAUDE.md": text}, rules=RULES)
    assert sorted(f.rule for f in findings) == [
        "invalid-encoding",
        "unused-suppression",
    ]
