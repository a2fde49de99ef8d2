"""hubbub load generator: `python bench/loadgen.py {idle,rate} --help`."""

import sys

from hubload.cli import main

if __name__ == "__main__":
    sys.exit(main())
