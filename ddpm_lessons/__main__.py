"""``python -m ddpm_lessons``: see :mod:`ddpm_lessons.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
