"""``python -m paybridge_local.simulator``."""

from paybridge_local.simulator.server import main

raise SystemExit(main())
