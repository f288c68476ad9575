"""`python -m copydesk.tui.cli`: the same as the `copydesk` command."""

import sys

from copydesk.tui.cli.main import main

sys.exit(main())
