"""The stores: one contract (:mod:`.base`), the embedded pyoxigraph store, a remote endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from server.store.base import QueryStore


def open_store(config: Mapping[str, Any]) -> QueryStore:
    """The store the configuration asks for: remote, on disk, or in memory (the default)."""
    directories = [Path(config["ONTOLOGY_DIR"]), Path(config["DATA_DIR"])]
    if config.get("SPARQL_ENDPOINT"):
        from server.store.remote import RemoteStore

        return RemoteStore(
            endpoint=config["SPARQL_ENDPOINT"],
            base_iri=config["BASE_IRI"],
            timeout=float(config.get("REMOTE_TIMEOUT", 5.0)),
            query_timeout=float(config.get("QUERY_TIMEOUT", 30.0)),
            refresh_interval=float(config.get("REMOTE_REFRESH", 10.0)),
        )
    from server.store.embedded import Store

    return Store(
        base_iri=config["BASE_IRI"], directories=directories, path=config.get("STORE_PATH")
    )
