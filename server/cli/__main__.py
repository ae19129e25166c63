"""``python -m server.cli``: the same as the ``ictkg`` command."""

from server.cli.main import main

main()
