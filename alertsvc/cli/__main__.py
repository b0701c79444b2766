"""`python -m alertsvc.cli`: the same command as the `alertsvc` script."""

import sys

from alertsvc.cli import main

sys.exit(main())
