"""The stores: one contract (:mod:`.base`), the embedded pyoxigraph store, a remote endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from server.store.base import QueryStore


def open_store(config: Mapping[str, Any]) -> QueryStore:
    """The store the configuration asks for: remote, on disk, or in memory (the default).

    An in-memory store that :func:`load_before_fork` loaded for the same configuration is
    taken as it is, not loaded again.
    """
    directories = [Path(config["ONTOLOGY_DIR"]), Path(config["DATA_DIR"])]
    if _LOADED is not None and _LOADED[0] == in_memory_key(config):
        return _LOADED[1]
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


def in_memory_key(config: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """What an in-memory store holds: the base IRI and the two directories it loads (``None``
    for a store on disk or a remote one)."""
    if config.get("SPARQL_ENDPOINT") or config.get("STORE_PATH"):
        return None
    return (str(config["BASE_IRI"]), str(config["ONTOLOGY_DIR"]), str(config["DATA_DIR"]))


def load_before_fork(config: Mapping[str, Any]) -> QueryStore:
    """Load the in-memory store of ``config`` in this process, for the processes it will fork.

    ``ictkg serve``'s master calls it before it forks its web workers, and again on a reload
    before it replaces them: every worker (and every query worker a worker forks) then shares
    one copy of the store, copy-on-write, where each worker used to load its own (two copies
    of 620 MB at 1e6 triples; BENCHMARKS.md). Only the last store loaded is kept: the one
    before lives on in the workers that still serve it, and goes with them. Raises whatever
    loading raises (``MemoryError``, ``OSError``), with nothing replaced.
    """
    global _LOADED
    from server.store.embedded import Store

    key = in_memory_key(config)
    if key is None:
        raise ValueError("only an in-memory store is loaded before the fork")
    if _LOADED is None or _LOADED[0] != key:
        base_iri, ontology, data = key
        _LOADED = (key, Store(base_iri=base_iri, directories=[Path(ontology), Path(data)]))
    return _LOADED[1]


#: The store :func:`load_before_fork` loaded last, and what it holds.
_LOADED: tuple[tuple[str, str, str], QueryStore] | None = None
