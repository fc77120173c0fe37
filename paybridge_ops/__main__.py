"""``python -m paybridge_ops <command>``: see ``paybridge_ops.cli``."""

from __future__ import annotations

import sys

from paybridge_ops.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
