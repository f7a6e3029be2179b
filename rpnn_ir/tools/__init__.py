"""Command-line tools of rpnn (``rpnn-opt``)."""
