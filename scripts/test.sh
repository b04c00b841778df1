#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it:
# static checks (ruff, mypy) and the whole pytest suite, end-to-end tests included.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real clients of the end-to-end tests, from Debian's packages: Neovim (the editor)
# and Chromium (renders the HTML telemetry report).
missing=()
command -v nvim >/dev/null 2>&1 || missing+=(neovim)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# A real LLM gateway for tests/integration only; never a dependency of the package.
.venv/bin/python -m pip install -q 'litellm[proxy]'

.venv/bin/ruff check server tests benchmarks
.venv/bin/ruff format --check server tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
