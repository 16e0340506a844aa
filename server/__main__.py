"""`python -m server` is the same as the `cnn-playground` command."""

from server.cli import main

raise SystemExit(main())
