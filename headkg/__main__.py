"""`python -m headkg` runs the `headkg` command."""

from headkg.api.cli import main

if __name__ == "__main__":
    main()
