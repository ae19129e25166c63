"""The command line: ``ictkg`` (see :mod:`server.cli.main`)."""

from server.cli.main import main

__all__ = ["main"]
