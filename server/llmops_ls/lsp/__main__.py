"""`python -m llmops_ls.lsp`: the language server without the command line."""

import argparse

from llmops_ls.lsp.server import serve

parser = argparse.ArgumentParser(prog="python -m llmops_ls.lsp")
parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (debugging)")
parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
args = parser.parse_args()
serve(args.tcp, verbose=args.verbose)
