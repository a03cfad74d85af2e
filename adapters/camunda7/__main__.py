"""``python -m adapters.camunda7``: the same as ``smq camunda7``."""

import sys

from adapters.camunda7.main import main

sys.exit(main())
