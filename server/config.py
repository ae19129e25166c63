"""Defaults for every setting, in one place.

The canonical base IRI is set here and nowhere else in the code: the data files spell it out in
their prefixes, and ``tests/test_data.py`` checks they agree with it. The server publishes the
same paths on whatever host it runs on, so the base IRI names the published identity of the
dataset, not the address a given server listens on.

Layering (see ``server.create_app``): these defaults, then ``ICTKG_*`` environment variables,
then the overrides a caller or test passes in.
"""

from __future__ import annotations

from pathlib import Path

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


#: The ontology namespace under the canonical base.
ONTOLOGY_NS = ontology_namespace(BASE_IRI)

DEFAULTS: dict[str, object] = {
    "BASE_IRI": BASE_IRI,
    "ONTOLOGY_DIR": str(PROJECT_ROOT / "ontology"),
    "DATA_DIR": str(PROJECT_ROOT / "data"),
    "SHAPES_DIR": str(PROJECT_ROOT / "shapes"),
    # Store: embedded in memory unless STORE_PATH (on disk) or SPARQL_ENDPOINT (remote) is set.
    "STORE_PATH": None,
    "SPARQL_ENDPOINT": None,
    # Limits for the public SPARQL endpoint.
    "QUERY_TIMEOUT": 10.0,  # seconds
    "RESULT_ROW_LIMIT": 10_000,
    "MAX_QUERY_LENGTH": 64 * 1024,  # characters
    "MAX_CONTENT_LENGTH": 256 * 1024,  # bytes of request body
    # Query worker processes per web worker (server/workers/query.py): each runs one query at a
    # time and is killed when it runs over QUERY_TIMEOUT. A remote store's requests time out
    # after REMOTE_TIMEOUT seconds (queries of the server's own pages; user queries stop earlier).
    "QUERY_WORKERS": 2,
    # Added to the query workers' nice value (0-19): queries yield the CPU to the web workers.
    "QUERY_WORKER_NICE": 10,
    "REMOTE_TIMEOUT": 30.0,
    # Incoming links shown per page of a description.
    "BACKLINKS_PAGE_SIZE": 50,
    # Dereferencing (server/http/responses.py, server/rdf/iris.py): documents rewrite IRIs under
    # BASE_IRI to the request's root URL so clients stay on the server they asked; turn off
    # behind the canonical host. Representations (per version, root, document, format) kept in
    # memory.
    "REWRITE_IRIS": True,
    "REPRESENTATION_CACHE_SIZE": 512,
    # Whole responses to repeated GETs of /sparql, /id/ and /doc/ within a dataset version,
    # replayed without running the app (server/http/cache.py): entries (0: off), bytes, largest
    # body.
    "RESPONSE_CACHE_SIZE": 4096,
    "RESPONSE_CACHE_BYTES": 64 * 1024 * 1024,
    "RESPONSE_CACHE_MAX_BODY": 1024 * 1024,
    # Extra response headers exposed to cross-origin scripts, beyond ETag, Link, Location…
    "CORS_EXPOSE_HEADERS": ["X-ICTKG-Result-Truncated", "X-ICTKG-Result-Row-Limit"],
    # Refuse to start when the data does not conform to the shapes (server/dataset/views.py); a
    # reload (SIGHUP, `ictkg serve --watch`) is refused on the same terms
    # (server/serving/reload.py).
    "VALIDATE_ON_START": True,
    # Seconds between two looks at the data files under `ictkg serve --watch`.
    "RELOAD_WATCH_INTERVAL": 0.5,
    # The dataset description at /.well-known/void (VoID + DCAT).
    "DATASET_TITLE": N_("Belarus ICT Cooperation Knowledge Graph"),
    "DATASET_DESCRIPTION": N_(
        "Belarus' international cooperation in information and communication technologies: "
        "WSIS, the IGF, the Connect CIS Summit, and Belarus' aims and proposals."
    ),
    "DATASET_LICENSE": "https://creativecommons.org/licenses/by/4.0/",
}
