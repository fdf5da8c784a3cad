"""``python -m trustsim`` runs the command-line interface."""

import sys

from trustsim.cli.main import main

sys.exit(main())
