"""`python -m dashboard` is the `onemap` command."""

from dashboard.cli import main

if __name__ == "__main__":
    main()
