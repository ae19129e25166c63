"""``ictkg validate``: the CI gate for the Turtle sources.

Exit status follows pyshacl's convention so CI can tell "the data is wrong" (1) from "the input
could not be validated at all" (2): 0 conforms, 1 findings at or above ``--fail-on``, 2 unusable
input (a file that does not parse, a missing or empty directory, a bad option: click's own usage
errors also exit 2). Directory defaults come from ``server.config`` and, like the app's settings,
can be overridden by ``ICTKG_ONTOLOGY_DIR``, ``ICTKG_DATA_DIR``, ``ICTKG_SHAPES_DIR`` and
``ICTKG_BASE_IRI``, so the same command checks any knowledge graph laid out the same way.
"""

from __future__ import annotations

from pathlib import Path

import click

from server.config import dataset_options, dataset_overrides, dataset_value
from server.validation.formats import RENDERERS, summary
from server.validation.shacl import FAIL_ON, validation_report

#: The directories validated (the settings :func:`validation_report` reads, with ``BASE_IRI``).
DIRECTORIES = ("ONTOLOGY_DIR", "DATA_DIR", "SHAPES_DIR")


@click.command("validate")
@dataset_options("ontology", "data", "shapes", "base_iri")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text for people, json for programs, junit for CI dashboards, github for annotations.",
)
@click.option(
    "--fail-on",
    type=click.Choice(list(FAIL_ON)),
    default="violation",
    show_default=True,
    help="The least grave severity that makes the run fail (exit 1).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to this file (a one-line summary still goes to standard output).",
)
def validate_command(
    ontology: Path | None,
    data: Path | None,
    shapes: Path | None,
    base_iri: str | None,
    fmt: str,
    fail_on: str,
    output: Path | None,
) -> None:
    """Validate the data and the ontology against the SHACL shapes, and lint the vocabulary.

    Exit status: 0 conforms, 1 findings at or above --fail-on, 2 unusable input.
    """
    given = dataset_overrides(
        {"ontology": ontology, "data": data, "shapes": shapes, "base_iri": base_iri}
    )
    settings = {name: dataset_value(name, given) for name in (*DIRECTORIES, "BASE_IRI")}
    report = validation_report(settings)
    rendered = report.render(fmt, fail_on)
    if output is None:
        click.echo(rendered, nl=False)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as error:
            message = f"cannot write {output}: {error.strerror}"
            raise click.BadParameter(message, param_hint="--output") from error
        click.echo(summary(report, fail_on))
    click.get_current_context().exit(report.exit_code(fail_on))
