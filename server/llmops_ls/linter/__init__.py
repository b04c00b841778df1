"""The rules-file linter: pure code, no LSP and no network.

`lint_paths` and `lint_document` in `engine` are the entry points; `checks` holds the
checks, each registered under the name of its rule in the catalogue.
"""
