"""nbmerge: git merge and diff driver for Jupyter notebooks.

Kept empty on purpose: `python -m nbmerge merge-driver` imports this first, and git runs
the driver once per notebook, so nothing heavy may load here.
"""

__version__ = "0.1.0"
