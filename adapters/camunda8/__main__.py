"""``python -m adapters.camunda8``: the same as ``smq camunda``."""

import sys

from adapters.camunda8.main import main

sys.exit(main())
