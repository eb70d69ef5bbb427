"""``python -m negotiation``: the same as the ``negotiation`` command."""

import sys

from ._cli import main

sys.exit(main())
