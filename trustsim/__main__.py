"""``python -m trustsim`` runs the command-line interface."""

import sys

from trustsim.cli import main

sys.exit(main())
