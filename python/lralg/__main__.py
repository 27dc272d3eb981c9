"""``python -m lralg {info,demo,complete,fastrp} --help``."""

import sys

from lralg._cli import main

if __name__ == "__main__":
    sys.exit(main())
