from linting import LintFiles


def test_binary_rules_file_is_reported_not_skipped(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"CLAUDE.md": b"\x00\x01\x02binary"}, rules={"file-unreadable"}
    )
    assert [f.rule for f in findings] == ["file-unreadable"]
    assert "binary" in findings[0].message


def test_latin1_bytes_are_reported_with_their_position(lint_files: LintFiles) -> None:
    findings = lint_files(
        {"AGENTS.md": b"line one\ncaf\xe9\n"}, rules={"invalid-encoding"}
    )
    assert len(findings) == 1
    assert (findings[0].start.line, findings[0].start.column) == (1, 3)
