"""Glob matching as the tools do it; LL106 glob-invalid and LL107 glob-no-match."""

from __future__ import annotations

import random

import pytest

from linting import LintFiles
from llmops_ls.linter.finding import Fix
from llmops_ls.linter.frontmatter import parse
from llmops_ls.linter.globs import (
    FileIndex,
    compile_glob,
    entry_patterns,
    match,
    problems,
)

INVALID = {"glob-invalid"}
NO_MATCH = {"glob-no-match"}
MDC = ".cursor/rules/rule.mdc"


def apply_fix(text: str, fix: Fix) -> str:
    for edit in sorted(fix.edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    return text


def mdc(globs: str) -> str:
    return f"---\ndescription: x\nglobs: {globs}\nalwaysApply: false\n---\nBody.\n"


# -- matching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("**/*.ts", "a.ts"),
        ("**/*.ts", "src/deep/a.ts"),
        ("*.ts", "src/deep/a.ts"),  # no slash: the name at any depth
        ("Dockerfile", "services/api/Dockerfile"),
        ("src/**/*.ts", "src/a.ts"),
        ("src/**", "src/x/y/z.md"),
        ("src", "src/a.ts"),  # a folder matches what is inside it
        ("docs/", "docs/a/b.md"),
        ("**/*.{ts,tsx}", "ui/app.tsx"),
        ("**/*.test.{js,{ts,tsx}}", "a/b.test.tsx"),
        ("file?.md", "file1.md"),
        ("[abc].py", "pkg/b.py"),
        ("a/**/b", "a/b"),
        ("a/**/b", "a/x/y/b"),
        ("./src/*.ts", "src/a.ts"),
        ("/src/*.ts", "src/a.ts"),
        ("*", ".env"),
        ("app/\\[slug\\]/page.tsx", "app/[slug]/page.tsx"),
    ],
)
def test_patterns_that_match(pattern: str, path: str) -> None:
    assert match(pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("src/*.ts", "src/deep/a.ts"),
        ("**/*.{ts,tsx}", "a.js"),
        ("[!abc].py", "b.py"),
        ("file?.md", "file10.md"),
        ("src/**/*.ts", "lib/src.ts"),
        ("*.ts", "a.tsx"),
        ("!**/*.ts", "a.ts"),  # an exclusion never matches by itself
        ("Makefile", "Makefile.bak"),
    ],
)
def test_patterns_that_do_not_match(pattern: str, path: str) -> None:
    assert not match(pattern, path)


def test_compiled_patterns_are_cached() -> None:
    assert compile_glob("src/**/*.py") is compile_glob("src/**/*.py")
    assert compile_glob("**/*").matches_all


def test_file_index_answers_over_many_paths() -> None:
    paths = [f"pkg{i}/module{j}.py" for i in range(100) for j in range(50)]
    paths.append("web/app/page.tsx")
    index = FileIndex(paths)
    assert index.any_match("**/*.tsx")
    assert index.any_match("pkg42/module7.py")
    assert index.any_match("Makefile") is False
    assert not index.any_match("pkg42/module7.pyc")
    assert not index.any_match("web/*.tsx")
    assert not FileIndex([]).any_match("**/*")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("**/*.ts", True),  # a name's ending, from the name sets
        ("**/*.test.ts", True),
        ("**/*.tsx", False),
        ("**/Makefile", True),
        ("**/makefile", False),
        ("**/src/", True),  # a folder name
        ("**/Makefile/", False),  # a file, not a folder
        ("src/**", True),
        ("src/**/*", True),
        ("lib/**", False),
        ("src/*/deep", False),
        ("src/**/*.{ts,py}", True),  # braces expand to plain alternatives
        ("src/**/*.{py,rs}", False),
        ("**/a.ts/", False),
        ("s*c/a.ts", True),  # goes to the regex
        ("src/a.ts", True),
        ("src", True),
    ],
)
def test_file_index_shortcuts_agree_with_matching(pattern: str, expected: bool) -> None:
    paths = ["Makefile", "src/a.ts", "src/b.test.ts", "web/src/x.md"]
    assert FileIndex(paths).any_match(pattern) is expected
    assert any(match(pattern, path) for path in paths) is expected


def test_file_index_agrees_with_the_regex_on_random_patterns() -> None:
    rnd = random.Random(7)
    atoms = [
        *("a", "b", ".ts", "x.ts", "src", "/", "*", "**", "?", "***", "**/", "/**/"),
        *("{a,b}", "{ts,tsx}", "{,a}", "{a/b,c}", "[ab]", "[!a]", "[/", "]", "}"),
        *("{", "\\[", "Makefile", ".", "c/"),
    ]
    names = ["a", "b", "ab", "a.ts", "x.ts", "src", "Makefile", "b.tsx", "{a,b}", ".a"]
    for _ in range(3000):
        paths = sorted(
            {
                "/".join(rnd.choice(names) for _ in range(rnd.randint(1, 4)))
                for _ in range(rnd.randint(1, 6))
            }
        )
        pattern = "".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 5)))
        pattern += "/" if rnd.random() < 0.2 else ""
        expected = any(compile_glob(pattern).match(path) for path in paths)
        assert FileIndex(paths).any_match(pattern) is expected, (pattern, paths)


def test_entry_patterns_split_strings_and_keep_offsets() -> None:
    body = 'globs: **/*.ts, "src/**" ,a,,b,\npaths:\n  - "lib/**"\n'
    front = parse(body, 0)
    patterns = entry_patterns(front.entries["globs"])
    assert [p.text for p in patterns] == ["**/*.ts", "src/**", "a", "", "b"]
    assert [body[p.start : p.end] for p in patterns] == [p.text for p in patterns]
    listed = entry_patterns(front.entries["paths"])
    assert [body[p.start : p.end] for p in listed] == ["lib/**"]


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("**/*.{ts,tsx", "unclosed `{`"),
        ("src/[abc.ts", "unclosed `[`"),
        ("src/a}.ts", "`}` without"),
        ("src\\**\\*.ts", "backslash"),
        ("/src/**", "absolute"),
        ("C:/work/src/**", "absolute"),
        ("***/x.ts", "`***`"),
        ("", "empty"),
    ],
)
def test_problems_of_bad_patterns(pattern: str, fragment: str) -> None:
    assert any(fragment in p.message for p in problems(pattern))


@pytest.mark.parametrize(
    "pattern", ["**/*.{ts,tsx}", "src/[abc].py", "app/\\[id\\]/*.tsx", "*.{a,{b,c}}"]
)
def test_valid_patterns_have_no_problems(pattern: str) -> None:
    assert problems(pattern) == ()


# -- LL106 glob-invalid ------------------------------------------------------------


def test_unclosed_brace_is_reported_at_the_brace(lint_files: LintFiles) -> None:
    text = mdc("src/**, **/*.{ts,tsx")
    findings = lint_files({MDC: text}, rules=INVALID)
    assert len(findings) == 1
    finding = findings[0]
    assert text[finding.start_offset : finding.end_offset] == "{"
    assert (finding.start.line, finding.start.column) == (2, 20)


def test_triple_star_gets_a_safe_fix(lint_files: LintFiles) -> None:
    text = mdc('["***/*.py"]')
    findings = lint_files({MDC: text}, rules=INVALID)
    assert len(findings) == 1
    fix = findings[0].fix
    assert fix is not None and fix.safe
    assert apply_fix(text, fix) == mdc('["**/*.py"]')


def test_backslashes_get_an_unsafe_fix(lint_files: LintFiles) -> None:
    text = '---\napplyTo: "src\\**\\*.cs"\n---\nBody.\n'
    path = ".github/instructions/cs.instructions.md"
    findings = lint_files({path: text}, rules=INVALID)
    assert len(findings) == 1
    fix = findings[0].fix
    assert fix is not None and not fix.safe
    assert 'applyTo: "src/**/*.cs"' in apply_fix(text, fix)


def test_empty_pattern_between_commas(lint_files: LintFiles) -> None:
    findings = lint_files({MDC: mdc("src/**,,lib/**")}, rules=INVALID)
    assert len(findings) == 1
    assert "empty pattern" in findings[0].message


def test_empty_list_item_in_claude_paths(lint_files: LintFiles) -> None:
    text = '---\npaths:\n  - ""\n---\nBody.\n'
    findings = lint_files({".claude/rules/a.md": text}, rules=INVALID)
    assert len(findings) == 1
    assert findings[0].start.line == 2


def test_valid_and_empty_globs_are_not_invalid(lint_files: LintFiles) -> None:
    files = {
        MDC: mdc("**/*.{ts,tsx}, src/**,"),
        ".cursor/rules/b.mdc": mdc(""),
        ".cursor/rules/c.mdc": mdc('""'),
    }
    assert lint_files(files, rules=INVALID) == []


# -- LL107 glob-no-match -----------------------------------------------------------


def test_pattern_matching_no_file_is_reported(lint_files: LintFiles) -> None:
    text = mdc("src/**/*.ts, srv/api/**")
    files = {MDC: text, "src/app.ts": "x\n"}
    findings = lint_files(files, rules=NO_MATCH)
    assert len(findings) == 1
    finding = findings[0]
    assert text[finding.start_offset : finding.end_offset] == "srv/api/**"
    assert (finding.start.line, finding.start.column) == (2, 20)


def test_patterns_are_matched_from_the_rules_project_root(
    lint_files: LintFiles,
) -> None:
    files = {
        "packages/web/.cursor/rules/ui.mdc": mdc("src/**/*.tsx"),
        "packages/web/src/App.tsx": "x\n",
        "packages/api/.cursor/rules/api.mdc": mdc("src/**/*.tsx"),
        "packages/api/src/main.py": "x\n",
    }
    findings = lint_files(files, rules=NO_MATCH)
    assert [f.path for f in findings] == ["packages/api/.cursor/rules/api.mdc"]


def test_gitignored_files_still_count_as_matches(lint_files: LintFiles) -> None:
    # Assistants attach rules for ignored files a user opens, such as `.env`.
    files = {
        ".gitignore": "build/\n.env\nnode_modules/\n",
        "build/out.js": "x\n",
        ".env": "A=1\n",
        "node_modules/pkg/index.js": "x\n",
        MDC: mdc("build/**/*.js, .env*, **/node_modules/**, dist/**"),
    }
    findings = lint_files(files, rules=NO_MATCH)
    assert [f.message.split("`")[1] for f in findings] == ["dist/**"]


def test_visible_folder_without_matching_files_is_reported(
    lint_files: LintFiles,
) -> None:
    files = {"src/main.py": "x\n", MDC: mdc("src/**/*.go")}
    assert len(lint_files(files, rules=NO_MATCH)) == 1


def test_loose_mdc_outside_a_project_is_not_matched(lint_files: LintFiles) -> None:
    assert lint_files({"notes/rule.mdc": mdc("nothing/**")}, rules=NO_MATCH) == []


def test_each_tool_key_is_matched(lint_files: LintFiles) -> None:
    files = {
        "api/main.py": "x\n",
        ".github/instructions/py.instructions.md": (
            '---\napplyTo: "api/**/*.py,x/**"\n---\nB\n'
        ),
        ".claude/rules/py.md": "---\npaths:\n  - 'api/*.py'\n  - 'y/**'\n---\nB\n",
        ".kiro/steering/py.md": (
            "---\ninclusion: fileMatch\nfileMatchPattern: ['*.py', 'z/**']\n---\nB\n"
        ),
    }
    findings = lint_files(files, rules=NO_MATCH)
    assert sorted(f.message.split("`")[1] for f in findings) == ["x/**", "y/**", "z/**"]


def test_invalid_and_negated_patterns_are_not_also_no_match(
    lint_files: LintFiles,
) -> None:
    files = {MDC: mdc('["**/*.{ts", "!legacy/**"]'), "a.ts": "x\n"}
    assert lint_files(files, rules=NO_MATCH) == []
