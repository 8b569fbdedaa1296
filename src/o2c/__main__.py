"""``python -m o2c`` is the ``o2c`` command."""
import sys

from o2c.cli.main import main

sys.exit(main())
