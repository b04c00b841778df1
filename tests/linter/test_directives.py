from pathlib import Path

from linting import LintFiles
from llmops_ls.linter import directives, document
from llmops_ls.linter.directives import Polarity
from llmops_ls.linter.kinds import Tool


def _doc(text: str) -> document.RulesDocument:
    return document.build(Path("/w/CLAUDE.md"), "CLAUDE.md", Tool.CLAUDE, text)


def test_directives_are_sentences_of_prose_with_offsets() -> None:
    text = (
        "# Title\n\n- Use pnpm. Never use npm!\n\n```sh\nnpm i\n```\n1. Write tests\n"
    )
    doc = _doc(text)
    found = directives.directives(doc)
    assert [d.text for d in found] == ["Use pnpm.", "Never use npm!", "Write tests"]
    assert [text[d.start : d.end] for d in found] == [d.text for d in found]


def test_polarity_and_action_ignore_the_always_never_wording() -> None:
    doc = _doc(
        "- Always use semicolons.\n- Don't use semicolons.\n- Semicolons matter.\n"
    )
    first, second, third = directives.directives(doc)
    assert (first.polarity, second.polarity, third.polarity) == (
        Polarity.POSITIVE,
        Polarity.NEGATIVE,
        Polarity.NEUTRAL,
    )
    assert first.action == second.action == "use semicolons"


def test_avoid_using_is_the_negation_of_use() -> None:
    assert directives.action_of(directives.normalize("Avoid using classes.")) == (
        "use classes"
    )


def test_normalize_drops_case_markup_and_punctuation() -> None:
    assert (
        directives.normalize("**Run** the `tests`,  always!") == "run the tests always"
    )


def test_sentence_bounds_skip_the_list_marker_and_abbreviations() -> None:
    text = "- Prefer small files, e.g. under 200 lines. Split modules.\n"
    doc = _doc(text)
    start, end = directives.sentence_bounds(doc, text.index("under"))
    assert text[start:end] == "Prefer small files, e.g. under 200 lines."


def test_repeated_line_is_reported_on_the_later_copy(lint_files: LintFiles) -> None:
    text = (
        "- Run the full test suite before committing.\n- Keep functions short.\n"
        "* run the full test suite before committing!\n"
    )
    findings = lint_files({"CLAUDE.md": text}, rules={"duplicate-directive"})
    assert len(findings) == 1
    (finding,) = findings
    assert (finding.start.line, finding.start.column) == (2, 2)
    assert finding.related[0].start.line == 0


def test_short_lines_headings_and_code_are_not_duplicates(
    lint_files: LintFiles,
) -> None:
    text = (
        "## Run the full test suite now\n- Use strict mode.\n\n"
        "```py\nimport os and sys here\nimport os and sys here\n```\n"
        "## Run the full test suite now\n- Use strict mode.\n"
        "import { query } from 'server'\nimport { query } from 'server'\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules={"duplicate-directive"}) == []


def test_the_same_step_of_two_procedures_is_not_a_duplicate(
    lint_files: LintFiles,
) -> None:
    text = (
        "## Release\n\n1. Cut the release branch from develop.\n"
        "2. After the merge:\n   - Merge the branch back to develop\n\n"
        "## Hotfix\n\n1. Cut the hotfix branch from main.\n"
        "2. After the merge:\n   - Merge the branch back to develop\n\n"
        "## Rules\n\n- Run the whole test suite before every commit.\n\n"
        "## Workflow\n\n- Run the whole test suite before every commit.\n"
    )
    findings = lint_files({"CLAUDE.md": text}, rules={"duplicate-directive"})
    # Only the rule said again in another section is a copy to remove.
    assert [f.start.line for f in findings] == [18]


def test_duplicate_in_an_imported_file_is_reported(lint_files: LintFiles) -> None:
    files = {
        "CLAUDE.md": "See @docs/a.md\n\n- Run the full test suite before committing.\n",
        "docs/a.md": "- Run the full test suite before committing.\n",
    }
    findings = lint_files(files, rules={"duplicate-directive"})
    assert [f.path for f in findings] == ["CLAUDE.md"]
    assert findings[0].related[0].path == "docs/a.md"


def test_hedge_is_reported_with_its_span(lint_files: LintFiles) -> None:
    text = "- Add tests where appropriate.\n"
    findings = lint_files({"CLAUDE.md": text}, rules={"vague-directive"})
    assert len(findings) == 1
    (finding,) = findings
    assert text[finding.start_offset : finding.end_offset] == "where appropriate"
    assert "condition" in finding.message


def test_one_vague_finding_per_sentence(lint_files: LintFiles) -> None:
    text = "- Try to add tests if possible, ideally before merging.\n"
    findings = lint_files({"CLAUDE.md": text}, rules={"vague-directive"})
    assert len(findings) == 1
    assert "Try to" in findings[0].message


def test_hedges_in_code_and_words_containing_them_are_ignored(
    lint_files: LintFiles,
) -> None:
    text = (
        "- Use `try to` as a name.\n- Reconsider nothing; possible values vary.\n"
        "```\nif possible: pass\n```\n"
    )
    assert lint_files({"CLAUDE.md": text}, rules={"vague-directive"}) == []


def test_etc_after_for_example_is_not_vague(lint_files: LintFiles) -> None:
    text = (
        "- Validate input (e.g. ids, emails, etc.).\n- Handle errors, retries, etc.\n"
    )
    findings = lint_files({"CLAUDE.md": text}, rules={"vague-directive"})
    assert [f.start.line for f in findings] == [1]
    assert "list open" in findings[0].message


def _naive_occurrences(text: str, words: tuple[str, ...]) -> list[int]:
    return [i for w in words for i in range(len(text)) if text.startswith(w, i)]


def test_occurrences_match_a_plain_search_word_by_word() -> None:
    # Words grouped on a shared rare letter ("v", "b", "q") and words that could match
    # at the same letter ("qq" and "'q" in "'qq") must all be found, in word order.
    text = "never avoid 'qq qq quot; possible, feasible. avoid never 'q nevavoid"
    words = ("avoid", "never", "qq", "'q", "quot", "possible", "feasible", "not ")
    assert list(directives.occurrences(text, words)) == _naive_occurrences(text, words)


def test_occurrences_find_overlapping_repeats() -> None:
    text = "vvv qvqvq"
    words = ("vv", "qvq", "v")
    assert list(directives.occurrences(text, words)) == _naive_occurrences(text, words)


def test_sentence_end_skips_abbreviations() -> None:
    doc = _doc("- Use tools, e.g. ruff. Then etc. stop! Done\n")
    start, end = directives.sentence_bounds(doc, doc.text.index("ruff"))
    assert doc.text[start:end] == "Use tools, e.g. ruff."
    start, end = directives.sentence_bounds(doc, doc.text.index("Then"))
    assert doc.text[start:end] == "Then etc. stop!"


def test_find_all_reports_every_word_matching_at_one_letter() -> None:
    # "ly" and "yarn" both match at the "y" of "lyarn"; "n't" and "n'" share the "'".
    text = "lyarn yarn ly don't n'"
    words = ("ly", "yarn", "n't", "n'", "semi", "dent")
    found = directives.find_all(text, words)
    for word in words:
        assert found[word] == [i for i in range(len(text)) if text.startswith(word, i)]
