"""``python -m studio.sweep``: an alias of ``byzmw sweep``."""

import sys

from .cli import main

sys.exit(main())
