"""``python -m tui.cli``: the ``warroom`` command without its installed script."""

import sys

from tui.cli import main

sys.exit(main())
