"""`python -m nbmerge`: the same entry as the `nbmerge` console script."""

from .cli import main

if __name__ == "__main__":
    main()
