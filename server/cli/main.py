"""The ``ictkg`` command line: ``validate`` the data, ``serve`` it, ``load`` it into a store.

Each command is registered by the module that owns its concern; this module only gathers them.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ictkg")
def main() -> None:
    """Belarus ICT Cooperation Knowledge Graph: validate and publish the data."""


from server.cli.validate import validate_command  # noqa: E402 - registered after the group

main.add_command(validate_command)

from server.serving.serve import serve_command  # noqa: E402 - registered after the group

main.add_command(serve_command)

from server.export.site import export_site_command  # noqa: E402 - registered after the group

main.add_command(export_site_command)

from server.cli.load import load_command  # noqa: E402 - registered after the group

main.add_command(load_command)
