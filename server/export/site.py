"""``ictkg export-site DIR``: the whole linked-data site as static files, and an nginx config.

A static host or a CDN serves files faster and further than any application server, and keeps
the URIs alive if the application is down. The export writes what the live server answers, by
asking the app itself (Flask's test client): every resource's document in every format
(``doc/{kind}/{slug}.{ttl,jsonld,rdf,nt,html}``, and ``doc/{kind}/{slug}/page-N.{ext}`` for
the further pages of incoming links), the ontology, the VoID/DCAT description, the JSON-LD
context, the dumps and the static assets. Being the app's own bytes, nothing can drift from the
live server.

IRIs (README, "URIs"): the files carry the canonical IRIs (the app runs with ``REWRITE_IRIS``
off), since a static site is meant to be served as the canonical host, where w3id.org redirects.
For a mirror, ``--site-url URL`` writes the IRIs of that host instead, as the live server would
answer there (the app asked as ``URL``, the mapping on), so a client following links stays on
the mirror. Either way a site's IRIs are one set: those its files name.

``nginx.conf`` beside the files is a snippet to include in a ``server { root DIR; … }`` block:
it does the content negotiation and the ``303 See Other`` from ``/id/…`` to ``/doc/…`` (Cool
URIs for the Semantic Web, §4.3), ``Vary: Accept``, ``Content-Location``, 406 when nothing
offered is acceptable, per-format URLs, ``?page=N``, media types with charsets, and CORS (Fetch
§3.2). What it cannot do as the app does: nginx has no q-values, so the choice among formats
is by presence in ``Accept``, RDF formats first (Turtle, JSON-LD, RDF/XML, N-Triples), then
HTML; a client that names only RDF types, or only browsers' types, gets the same as from the
app. ETags are nginx's own. The SPARQL endpoint is not exported: point ``/sparql`` at a store.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from server.config import dataset_options, dataset_overrides
from server.http.middleware import CORS_EXPOSE_HEADERS
from server.rdf.scheme import SEGMENT, document_of

#: Per-format extensions of a document, in the nginx choice order (see the module docstring).
RDF_EXTENSIONS = ("ttl", "jsonld", "rdf", "nt")
EXTENSIONS = (*RDF_EXTENSIONS, "html")

#: Negotiated documents besides the resources: (URL path without extension).
DOCUMENTS = ("ontology", ".well-known/void")


def documents(app: Any) -> tuple[str, ...]:
    """:data:`DOCUMENTS`, and the document of the ontology's version IRI when it states one."""
    from server.describe.ontology import published_version

    with app.app_context():
        version = published_version()
    return DOCUMENTS if version is None else (*DOCUMENTS, f"ontology/{version}")


#: A kind or a slug, as the nginx locations match it (the scheme's own expression).
SLUG = SEGMENT.pattern


@dataclass
class Export:
    """What was written: counts for the report, and the resources (canonical IRIs)."""

    directory: Path
    files: int = 0
    bytes: int = 0
    resources: list[str] = field(default_factory=list)
    seconds: float = 0.0


def things(app: Any) -> list[str]:
    """Every IRI under ``{base}id/`` the store mentions: each one answers at ``/id/…``."""
    from server.describe.resources import things as listed

    return listed(app.extensions["ictkg"], app.config["BASE_IRI"])


def resource_paths(app: Any, iri: str) -> Iterator[tuple[str, str]]:
    """(URL path with query, file path) of every document of a resource, all pages."""
    from server.describe.resources import cached_description

    base = app.config["BASE_IRI"]
    doc = document_of(base, iri)[len(base) :]
    with app.test_request_context("/" + doc):
        description = cached_description(iri, 1)
    pages = description.pages if description is not None else 1
    for extension in EXTENSIONS:
        yield f"/{doc}.{extension}", f"{doc}.{extension}"
        for page in range(2, pages + 1):
            yield f"/{doc}.{extension}?page={page}", f"{doc}/page-{page}.{extension}"


def other_paths(negotiated: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(URL path, file path) of every document besides the resources: ``negotiated`` (see
    :func:`documents`) in every format, the JSON-LD context and the dumps."""
    from server.rdf.formats import DUMPS

    for document in negotiated:
        for extension in EXTENSIONS:
            yield f"/{document}.{extension}", f"{document}.{extension}"
    yield "/context.jsonld", "context.jsonld"
    for dump in DUMPS:
        yield f"/dumps/{dump.filename}", f"dumps/{dump.filename}"


def _writer(
    app: Any, directory: Path, export: Export, site_url: str | None = None
) -> Callable[[str, str], None]:
    """Write one answer of the app (asked as ``site_url`` when given) into ``directory``."""
    client = app.test_client()
    where = {"base_url": site_url} if site_url else {}

    def write(url: str, relative: str) -> None:
        response = client.get(url, **where)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} from the app")
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        data = response.get_data()
        target.write_bytes(data)
        export.files += 1
        export.bytes += len(data)

    return write


def _export_resources(
    app: Any, directory: Path, resources: list[str], site_url: str | None = None
) -> Export:
    export = Export(directory)
    write = _writer(app, directory, export, site_url)
    for iri in resources:
        for url, relative in resource_paths(app, iri):
            write(url, relative)
    return export


_worker_app: Any = None


def _start_worker(overrides: dict[str, Any]) -> None:
    global _worker_app
    from server.app.factory import create_app

    _worker_app = create_app(overrides)


def _export_chunk(
    directory: Path, resources: list[str], site_url: str | None = None
) -> tuple[int, int]:
    done = _export_resources(_worker_app, directory, resources, site_url)
    return done.files, done.bytes


def export_site(
    app: Any,
    directory: Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    jobs: int = 1,
    overrides: dict[str, Any] | None = None,
    site_url: str | None = None,
) -> Export:
    """Write the site of ``app`` into ``directory``.

    ``app`` is built with ``REWRITE_IRIS`` off for canonical IRIs; with it on and a
    ``site_url``, the files carry that host's IRIs. With ``jobs`` > 1 the resources are shared
    among that many processes, each building its own app from ``overrides`` (rendering is
    CPU-bound Python: threads would not help).
    """
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    export = Export(directory)
    write = _writer(app, directory, export, site_url)
    export.resources = things(app)
    negotiated = documents(app)
    for url, relative in other_paths(negotiated):
        write(url, relative)
    chunk = 200
    chunks = [export.resources[i : i + chunk] for i in range(0, len(export.resources), chunk)]
    if jobs > 1 and len(chunks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(
            jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(overrides or {},),
        ) as pool:
            futures = [pool.submit(_export_chunk, directory, part, site_url) for part in chunks]
            for number, future in enumerate(futures, start=1):
                files, size = future.result()
                export.files += files
                export.bytes += size
                if progress is not None:
                    progress(min(number * chunk, len(export.resources)), len(export.resources))
    else:
        for number, part in enumerate(chunks, start=1):
            done = _export_resources(app, directory, part, site_url)
            export.files += done.files
            export.bytes += done.bytes
            if progress is not None:
                progress(min(number * chunk, len(export.resources)), len(export.resources))
    static = Path(app.static_folder or "")
    if static.is_dir():
        shutil.copytree(static, directory / "static", dirs_exist_ok=True)
    (directory / "nginx.conf").write_text(nginx_config(negotiated))
    export.seconds = time.perf_counter() - started
    return export


# --- nginx ------------------------------------------------------------------------------------

MEDIA_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
    "html": "text/html",
    "css": "text/css",
    "js": "text/javascript",
    "trig": "application/trig",
    "gz": "application/gzip",
}

#: ``Accept`` patterns, weakest first: a later match overrides an earlier one.
ACCEPT_RULES = (
    (r"\*/\*", "ttl"),
    (r"text/\*", "ttl"),
    (r"application/\*", "jsonld"),
    ("text/html", "html"),
    ("application/xhtml\\+xml", "html"),
    ("application/n-triples", "nt"),
    ("application/rdf\\+xml", "rdf"),
    ("application/ld\\+json", "jsonld"),
    ("text/turtle", "ttl"),
)

CORS = (
    'add_header Cache-Control "public, no-cache" always;',
    'add_header Access-Control-Allow-Origin "*" always;',
    f'add_header Access-Control-Expose-Headers "{", ".join(CORS_EXPOSE_HEADERS)}" always;',
    'add_header X-Content-Type-Options "nosniff" always;',
)


def nginx_config(negotiated: tuple[str, ...] = DOCUMENTS) -> str:
    """The server-block snippet (see the module docstring); ``negotiated``: the documents
    besides the resources (:func:`documents`)."""
    types = " ".join(f"{media} {ext};" for ext, media in MEDIA_TYPES.items())
    negotiate = ["set $ext none;", 'if ($http_accept = "") { set $ext ttl; }']
    negotiate += [
        f'if ($http_accept ~* "{pattern}") {{ set $ext {ext}; }}' for pattern, ext in ACCEPT_RULES
    ]
    page = 'if ($arg_page ~ "^([2-9]|[1-9][0-9]+)$") { set $page "/page-$arg_page"; }'
    cors = "\n    ".join(CORS)
    documents = "\n".join(
        f"""location = /{doc} {{
    if ($ext = none) {{ return 406; }}
    {cors}
    add_header Vary Accept always;
    add_header Content-Location /{doc}.$ext always;
    try_files /{doc}.$ext =404;
}}"""
        for doc in negotiated
    )
    return f"""# Made by `ictkg export-site`: include it in a server block rooted at this directory:
#   server {{ listen 80; root /srv/site; include /srv/site/nginx.conf; }}
types {{ {types} }}
default_type application/octet-stream;
charset utf-8;
charset_types text/turtle application/ld+json application/rdf+xml application/n-triples
    text/css text/javascript application/trig;
etag on;

# Content negotiation without q-values: RDF formats win over HTML when both are named.
{chr(10).join(negotiate)}
set $page "";
{page}

# Things are not documents: 303 See Other to the description in the chosen format.
location ~ "^/id/(?<kind>{SLUG})/(?<slug>{SLUG})$" {{
    if ($ext = none) {{ return 406; }}
    if (!-f $document_root/doc/$kind/$slug.ttl) {{ return 404; }}
    {cors}
    add_header Vary Accept always;
    return 303 /doc/$kind/$slug.$ext$is_args$args;
}}

# A document in one format; ?page=N for the further pages of incoming links. (Regular
# expression locations are tried in order: this one before the negotiated document.)
location ~ "^/doc/(?<kind>{SLUG})/(?<slug>{SLUG})\\.(?<format>ttl|jsonld|rdf|nt|html)$" {{
    {cors}
    try_files /doc/$kind/$slug$page.$format =404;
}}

# A document, negotiated.
location ~ "^/doc/(?<kind>{SLUG})/(?<slug>{SLUG})$" {{
    if ($ext = none) {{ return 406; }}
    {cors}
    add_header Vary Accept always;
    add_header Content-Location /doc/$kind/$slug.$ext$is_args$args always;
    try_files /doc/$kind/$slug$page.$ext =404;
}}

{documents}

location / {{
    {cors}
    try_files $uri =404;
}}
"""


def standalone_config(site: Path, port: int, work: Path, host: str = "127.0.0.1") -> str:
    """A complete nginx.conf serving ``site`` in the foreground, for trying the export locally
    (``nginx -c FILE -p WORK``) and for the benchmark; production includes ``nginx.conf``.

    Workers run as the user who starts nginx, so they can read an export in a private directory.
    """
    import getpass

    return f"""daemon off;
user {getpass.getuser()};
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  server {{
    listen {host}:{port};
    root {site};
    include {site}/nginx.conf;
  }}
}}
"""


# --- the command ------------------------------------------------------------------------------


@click.command("export-site")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@dataset_options("ontology", "data", "base_iri")
@click.option(
    "--site-url",
    help="Root URL of the host that will serve the files (a mirror): its IRIs are written "
    "instead of the canonical ones.",
)
@click.option(
    "--jobs",
    type=int,
    default=lambda: os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="Processes rendering documents.",
)
def export_site_command(
    directory: Path,
    ontology: Path | None,
    data: Path | None,
    base_iri: str | None,
    site_url: str | None,
    jobs: int,
) -> None:
    """Write every document, the dumps, VoID and the ontology as static files, with nginx.conf."""
    from urllib.parse import urlsplit

    from server.app.factory import create_app

    if site_url is not None:
        parts = urlsplit(site_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path != "/":
            raise click.BadParameter(
                f"{site_url!r}: give the root URL of a host, like https://mirror.example/ "
                "(the nginx configuration serves the site at the root).",
                param_hint="--site-url",
            )
    overrides: dict[str, Any] = dataset_overrides(
        {"ontology": ontology, "data": data, "base_iri": base_iri}
    )
    for param, folder in (("--ontology", ontology), ("--data", data)):
        if folder is not None and not folder.is_dir():
            raise click.BadParameter(f"{folder} is not a directory", param_hint=param)
    # Canonical IRIs in the files, or the mirror's; one query worker (the export never runs
    # user queries).
    rewrite = site_url is not None
    overrides.update({"REWRITE_IRIS": rewrite, "QUERY_WORKERS": 1, "RESPONSE_CACHE_SIZE": 0})
    app = create_app(overrides)

    def progress(done: int, total: int) -> None:
        if done % 2000 == 0 or done == total:
            click.echo(f"{done}/{total} resources", err=True)

    export = export_site(
        app, directory, progress, jobs=jobs, overrides=overrides, site_url=site_url
    )
    click.echo(
        f"{len(export.resources)} resources, {export.files} files, "
        f"{export.bytes / 1e6:.1f} MB in {export.seconds:.1f} s: {directory}"
    )
