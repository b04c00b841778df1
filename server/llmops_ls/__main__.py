from llmops_ls.cli import main

raise SystemExit(main())
