"""`python -m aioserve` runs the command line."""

from aioserve.cli import main

if __name__ == "__main__":
    main()
