"""Every setting, in one table: its default, its type and what is allowed.

The canonical base IRI is set here and nowhere else in the code: the data files spell it out in
their prefixes, and ``tests/knowledge_graph/test_data.py`` checks they agree with it. The server
publishes the same paths on whatever host it runs on, so the base IRI names the published
identity of the dataset, not the address a given server listens on.

Layering (see ``server.app.factory.create_app``): these defaults, then ``ICTKG_*`` environment
variables (read as JSON when they parse as JSON, as Flask's ``from_prefixed_env`` does, else as
text), then the overrides a caller or test passes in. :func:`check` parses and range-checks the
result against :data:`SETTINGS` before anything starts (``ictkg serve`` under every server, and
the app factory): a value the server could not run with stops it with one message naming the
variable, the value and what is allowed (:class:`SettingError`), instead of a 500 on the first
request that reads it. README.md lists the table (``tests/config/test_config.py`` keeps the two
equal).
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: The repository root: the default home of ``ontology/``, ``data/`` and ``shapes/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def N_(text: str) -> str:
    """Marks a default text for the interface catalogues; pages translate it when shown.

    A configured title or description that is not a catalogue message is shown as it is.
    """
    return text


#: The canonical base IRI of the dataset. Things are ``{BASE_IRI}id/{kind}/{slug}``.
BASE_IRI = "https://w3id.org/belarus-ict/"


def ontology_namespace(base_iri: str) -> str:
    """The ontology's hash namespace under a base IRI: ``{base}ontology#``.

    A hash namespace, so ``{base}ontology`` is the one document of every term. Any base given
    with ``--base-iri`` gets its namespace from here, never by writing the suffix again.
    """
    return base_iri + "ontology#"


def graph_namespace(base_iri: str) -> str:
    """Where the named graphs are named: ``{base}graph/`` (a file's graph, the entailed graph,
    the metadata graph of a remote store). Graph names are names for SPARQL, not documents (a
    GET of one is 404, README "URIs"), so pages show them as text, not as links."""
    return base_iri + "graph/"


#: The ontology namespace under the canonical base.
ONTOLOGY_NS = ontology_namespace(BASE_IRI)

#: Environment variables of settings start with this.
PREFIX = "ICTKG_"

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True)
class Setting:
    """One setting: its default, its kind and range, and what it is for (one line, for README).

    ``kind`` is one of ``int``, ``float``, ``bool``, ``text``, ``path``, ``url`` (http or
    https), ``base`` (an http(s) IRI ending in ``/`` or ``#``), ``texts`` (a JSON list of
    strings) and ``choice`` (one of ``choices``). ``optional`` settings may be unset (``None``).
    """

    name: str
    default: Any
    kind: str
    about: str
    least: float | None = None
    most: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    optional: bool = False

    @property
    def variable(self) -> str:
        return PREFIX + self.name

    def allowed(self) -> str:
        """What is allowed, in words (the messages and README say the same)."""
        unit = f" {self.unit}" if self.unit else ""
        if self.kind in ("int", "float"):
            what = "an integer" if self.kind == "int" else "a number"
            text = f"{what} from {amount(self.least)} to {amount(self.most)}{unit}"
        else:
            text = {
                "bool": "true or false",
                "text": "a non-empty text",
                "path": "a path",
                "url": "an http(s) URL",
                "base": "an http(s) IRI ending in '/' or '#'",
                "texts": 'a JSON list of texts (["a", "b"])',
                "choice": "one of " + ", ".join(self.choices),
            }[self.kind]
        return f"{text}, or unset" if self.optional else text

    def parse(self, value: Any) -> Any:
        """The value as the server uses it; :class:`ValueError` when it is not allowed."""
        if value is None:
            if self.optional:
                return None
            raise ValueError
        if self.kind in ("int", "float"):
            number = number_of(value)
            if number is None or not self.least <= number <= self.most:
                raise ValueError
            if self.kind == "int":
                if not float(number).is_integer():
                    raise ValueError
                return int(number)
            return float(number)
        if self.kind == "bool":
            return boolean_of(value)
        if self.kind == "texts":
            if not (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)):
                raise ValueError
            return list(value)
        if not isinstance(value, str | Path) or not str(value).strip():
            raise ValueError
        value = str(value)
        if self.kind in ("url", "base"):
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
                raise ValueError
            if self.kind == "base" and not value.endswith(("/", "#")):
                raise ValueError
        if self.kind == "choice" and value not in self.choices:
            raise ValueError
        return value


def amount(number: float) -> str:
    """``1_048_576`` as ``1,048,576``; ``0.5`` as ``0.5``."""
    return f"{int(number):,}" if float(number).is_integer() else f"{number:g}"


def number_of(value: Any) -> float | None:
    """A finite number from a number or its text (``"2.5"``), else ``None``; never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


def boolean_of(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
        return False
    raise ValueError


#: Every setting the server reads, in one place.
SETTINGS: tuple[Setting, ...] = (
    Setting("BASE_IRI", BASE_IRI, "base", "canonical base IRI of the dataset (`--base-iri`)"),
    Setting(
        "ONTOLOGY_DIR", str(PROJECT_ROOT / "ontology"), "path", "ontology files (`--ontology`)"
    ),
    Setting("DATA_DIR", str(PROJECT_ROOT / "data"), "path", "data files (`--data`)"),
    Setting("SHAPES_DIR", str(PROJECT_ROOT / "shapes"), "path", "SHACL shapes (`--shapes`)"),
    Setting("QUERIES_DIR", str(PROJECT_ROOT / "queries"), "path", "example queries"),
    # Store: embedded in memory unless STORE_PATH (on disk) or SPARQL_ENDPOINT (remote) is set.
    Setting("STORE_PATH", None, "path", "on-disk store (`--store`)", optional=True),
    Setting("SPARQL_ENDPOINT", None, "url", "remote store (`--sparql-endpoint`)", optional=True),
    # Limits of the public SPARQL endpoint (SECURITY.md).
    Setting(
        "QUERY_TIMEOUT",
        10.0,
        "float",
        "time a query may run (`--query-timeout`)",
        0.001,
        86400,
        "seconds",
    ),
    Setting("RESULT_ROW_LIMIT", 10_000, "int", "rows (or triples) of a result", 1, 1_000_000_000),
    Setting(
        "MAX_QUERY_LENGTH", 64 * KiB, "int", "characters of query text", 1, 16 * MiB, "characters"
    ),
    Setting("MAX_CONTENT_LENGTH", 256 * KiB, "int", "bytes of a request body", 1, 1 * GiB, "bytes"),
    # Query worker processes per web worker (server/workers/query.py): each runs one query at a
    # time and is killed when it runs over QUERY_TIMEOUT.
    Setting("QUERY_WORKERS", 2, "int", "query processes per web worker (`--query-workers`)", 1, 64),
    # Added to the query workers' nice value: queries yield the CPU to the web workers.
    Setting("QUERY_WORKER_NICE", 10, "int", "CPU niceness added to a query past 0.1 s", 0, 19),
    # A query worker shares the store with its web worker, but what a query reads of an
    # in-memory store becomes the worker's own (server/workers/query.py): past this, it is
    # replaced by a fresh one after its answer.
    Setting(
        "QUERY_WORKER_MEMORY",
        512,
        "int",
        "memory a query process may hold of its own, then it is replaced",
        1,
        1024 * 1024,
        "MiB",
    ),
    # A remote store's requests time out after REMOTE_TIMEOUT (the server's own pages: a frozen
    # engine gives a 503 that soon; user queries may take up to QUERY_TIMEOUT). Its graph names,
    # sizes and version are re-read every REMOTE_REFRESH seconds in the background.
    Setting("REMOTE_TIMEOUT", 5.0, "float", "wait for a remote store", 0.001, 3600, "seconds"),
    Setting(
        "REMOTE_REFRESH",
        10.0,
        "float",
        "re-read a remote store's graphs and version, off the request path",
        0.01,
        86_400,
        "seconds",
    ),
    # Pages.
    Setting(
        "BACKLINKS_PAGE_SIZE", 50, "int", "incoming links per page of a description", 1, 10_000
    ),
    Setting("LIST_PAGE_SIZE", 50, "int", "instances per page of `/list`", 1, 10_000),
    Setting("SEARCH_LIMIT", 50, "int", "results of `/search`", 1, 10_000),
    Setting("SUGGEST_LIMIT", 8, "int", "suggestions of `/search/suggest`", 1, 100),
    Setting("QUERY_PAGE_ROWS", 100, "int", "rows per page of the query page", 1, 1_000_000),
    # One IRI rule (server/rdf/iris.py, README "URIs"): answers carry the IRIs under BASE_IRI as
    # the request's root URL, and queries may use them, so clients stay on the server they
    # asked; turn off behind the canonical host (ICTKG_REWRITE_IRIS=false: canonical IRIs
    # everywhere). Representations (per version, root, document, format) kept in memory.
    Setting("REWRITE_IRIS", True, "bool", "IRIs as the host a client asked (queries too)"),
    # The host of a request (whose IRIs the answers carry) is its Host header and the
    # connection's scheme; behind this many reverse proxies, the X-Forwarded-Proto, -Host,
    # -Port and -Prefix they set are trusted instead (werkzeug's ProxyFix). 0: none trusted.
    Setting(
        "TRUSTED_PROXIES", 0, "int", "reverse proxies whose `X-Forwarded-*` are trusted", 0, 16
    ),
    Setting(
        "REPRESENTATION_CACHE_SIZE", 512, "int", "documents kept per web worker", 1, 10_000_000
    ),
    # Whole responses to repeated GETs of /sparql, /id/ and /doc/ within a dataset version,
    # replayed without running the app (server/http/cache.py): entries (0: off), bytes, largest
    # body.
    Setting("RESPONSE_CACHE_SIZE", 4096, "int", "responses replayed (0: off)", 0, 10_000_000),
    Setting(
        "RESPONSE_CACHE_BYTES",
        64 * MiB,
        "int",
        "bytes of replayed responses",
        0,
        64 * GiB,
        "bytes",
    ),
    Setting(
        "RESPONSE_CACHE_MAX_BODY", 1 * MiB, "int", "largest replayed body", 0, 1 * GiB, "bytes"
    ),
    # Every resource's Turtle document and its 303, prepared once per dataset version in a file
    # every web worker reads (server/app/prepared.py); `ictkg serve` sets both to a directory
    # of its own and its own address (`--prepare-root` for the address clients use).
    Setting("PREPARE", True, "bool", "prepare every document at start-up (`ictkg serve`)"),
    Setting("PREPARED_DIR", None, "path", "responses shared by the workers", optional=True),
    Setting("PREPARE_ROOT", None, "url", "the root URL documents are prepared for", optional=True),
    # Extra response headers exposed to cross-origin scripts, beyond ETag, Link, Location…
    Setting(
        "CORS_EXPOSE_HEADERS",
        ["X-ICTKG-Result-Truncated", "X-ICTKG-Result-Row-Limit"],
        "texts",
        "headers cross-origin scripts may read",
    ),
    # Refuse to start when the data does not conform to the shapes (server/dataset/views.py); a
    # reload (SIGHUP, `ictkg serve --watch`) is refused on the same terms
    # (server/serving/reload.py).
    Setting("VALIDATE_ON_START", True, "bool", "refuse data that does not conform"),
    Setting(
        "RELOAD_WATCH_INTERVAL",
        0.5,
        "float",
        "between looks at the files (`--watch`)",
        0.01,
        3600,
        "seconds",
    ),
    # How long a web worker told to stop (the server stops, or a reload replaces it) may take to
    # finish its requests before it is killed, under granian and gunicorn alike.
    Setting(
        "GRACEFUL_TIMEOUT",
        10.0,
        "float",
        "a stopping worker's time to finish its requests",
        0.1,
        3600,
        "seconds",
    ),
    # The dataset description at /.well-known/void (VoID + DCAT).
    # N_: the defaults are interface messages, shown translated (a configured text as written).
    Setting(
        "DATASET_TITLE", N_("Belarus ICT Cooperation Knowledge Graph"), "text", "dataset title"
    ),
    Setting(
        "DATASET_DESCRIPTION",
        N_(
            "Belarus' international cooperation in information and communication technologies: "
            "WSIS, the IGF, the Connect CIS Summit, and Belarus' aims and proposals."
        ),
        "text",
        "dataset description",
    ),
    Setting(
        "DATASET_LICENSE",
        "https://creativecommons.org/licenses/by/4.0/",
        "url",
        "licence of the data",
    ),
)

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}

#: The default of every setting.
DEFAULTS: dict[str, object] = {setting.name: setting.default for setting in SETTINGS}


class SettingError(ValueError):
    """A setting the server cannot run with: where it came from, its value, what is allowed."""

    def __init__(self, setting: Setting, value: Any, source: str) -> None:
        self.setting, self.value, self.source = setting, value, source
        super().__init__(
            f"{source}={value!r} is not allowed: {setting.name} must be {setting.allowed()}"
        )


class UnknownVariable(SettingError):
    """An ``ICTKG_*`` variable that names no setting: most likely a typo of one that does."""

    def __init__(self, variable: str) -> None:
        self.variable = variable
        known = [setting.variable for setting in SETTINGS]
        close = difflib.get_close_matches(variable, known, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        ValueError.__init__(
            self, f"{variable} is not a setting{hint}: README.md lists them (Settings)"
        )


#: ``ICTKG_*`` variables read by the tools around the server, not by it.
TOOL_VARIABLES = {
    "ICTKG_SCREENSHOTS": "the browser tests keep every screenshot",
    "ICTKG_LOAD_SECONDS": "the duration of `make load`",
    "ICTKG_LOAD_USER": "the account `ictkg load` writes to a remote store with",
    "ICTKG_LOAD_PASSWORD": "its password",
}


def unknown_variables(environment: Mapping[str, str]) -> list[str]:
    """``ICTKG_*`` variables in ``environment`` that are neither a setting nor a tool's."""
    known = {setting.variable for setting in SETTINGS} | set(TOOL_VARIABLES)
    return sorted(v for v in environment if v.startswith(PREFIX) and v not in known)


def environment_source(name: str) -> tuple[str, Any] | None:
    """``(variable, raw text)`` when the environment sets ``name``, else ``None``."""
    variable = PREFIX + name
    return (variable, os.environ[variable]) if variable in os.environ else None


def check(
    config: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    options: Mapping[str, str] | None = None,
    settings: tuple[Setting, ...] = SETTINGS,
) -> dict[str, Any]:
    """Every setting of :data:`SETTINGS` in ``config``, parsed; the first bad one raises.

    An ``ICTKG_*`` variable that is no setting (a typo) is refused too. A message names where
    the value came from: the option that set it (``options`` maps a
    setting to its command-line option, for the ``overrides`` it set), the ``ICTKG_*`` variable
    with its text as written, else the setting itself (a caller's override or the default).
    """
    overrides, options = overrides or {}, options or {}
    for variable in unknown_variables(os.environ) if settings is SETTINGS else ():
        raise UnknownVariable(variable)
    parsed = {}
    for setting in settings:
        if setting.name not in config:
            continue
        value = config[setting.name]
        if setting.name in overrides:
            where = (options.get(setting.name, setting.name), overrides[setting.name])
        else:
            where = environment_source(setting.name)
            if where and setting.kind in TEXTUAL:
                value = where[1]  # the text as written: ICTKG_DATASET_TITLE=2024 is a title
        try:
            parsed[setting.name] = setting.parse(value)
        except ValueError:
            where = where or (setting.name, value)
            raise SettingError(setting, where[1], where[0]) from None
    return parsed


#: Kinds whose environment value is taken as written, not read as JSON.
TEXTUAL = ("text", "path", "url", "base", "choice")


def markdown_table() -> str:
    """The table README.md shows (``tests/config/test_config.py`` checks they are equal)."""
    lines = ["| variable | default | allowed | what |", "|---|---|---|---|"]
    for setting in SETTINGS:
        default = setting.default
        if isinstance(default, str) and default.startswith(str(PROJECT_ROOT)):
            default = Path(default).relative_to(PROJECT_ROOT).as_posix() + "/"
        shown = "unset" if default is None else f"`{default_text(default)}`"
        lines.append(f"| `{setting.variable}` | {shown} | {setting.allowed()} | {setting.about} |")
    return "\n".join(lines) + "\n"


def default_text(value: Any) -> str:
    import json

    if isinstance(value, bool | list):
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 48 else text[:40] + "…"


# --- the dataset options of the command line ----------------------------------------------------

#: The options every command that reads the dataset takes (``ictkg validate``, ``serve``,
#: ``export-site``, ``load``), by parameter name, and the setting each one sets.
DATASET_OPTIONS: dict[str, str] = {
    "ontology": "ONTOLOGY_DIR",
    "data": "DATA_DIR",
    "shapes": "SHAPES_DIR",
    "base_iri": "BASE_IRI",
}


def dataset_options(*params: str) -> Any:
    """The click options for these dataset parameters, declared once for every command.

    Each is absent (``None``) unless given, so its setting comes from its ``ICTKG_*`` variable,
    else its default, exactly as for the server (:func:`dataset_overrides`, :func:`dataset_value`).
    """
    import click

    def apply(command: Any) -> Any:
        for param in reversed(params):
            setting = BY_NAME[DATASET_OPTIONS[param]]
            flag = "--" + param.replace("_", "-")
            # No checks by click: each command names a wrong folder in its own words.
            kind = None if setting.kind == "base" else click.Path(path_type=Path, readable=False)
            text = setting.about.split(" (`")[0]
            command = click.option(
                flag,
                param,
                type=kind,
                help=f"{text[0].upper()}{text[1:]} (default: {setting.variable}, else "
                f"{default_text(setting.default)}).",
            )(command)
        return command

    return apply


def dataset_overrides(values: Mapping[str, Any]) -> dict[str, str]:
    """The settings the given dataset options set (options not given set nothing)."""
    return {
        DATASET_OPTIONS[param]: str(value)
        for param, value in values.items()
        if param in DATASET_OPTIONS and value is not None
    }


def dataset_value(name: str, overrides: Mapping[str, Any]) -> str:
    """A dataset setting for a tool outside the app: the option, else ``ICTKG_*``, else default."""
    if name in overrides:
        return str(overrides[name])
    source = environment_source(name)
    return source[1] if source else str(DEFAULTS[name])
