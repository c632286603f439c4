"""``python -m bpo_roi.cli``: the same as the ``bpo-roi`` command."""

import sys

from bpo_roi.cli.commands import main

if __name__ == "__main__":
    sys.exit(main())
