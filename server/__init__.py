"""The Belarus ICT Cooperation Knowledge Graph publisher.

``create_app`` layers configuration (defaults in :mod:`server.config`, then ``ICTKG_*``
environment variables, then the caller's overrides), builds the store once, keeps it in
``app.extensions["ictkg"]`` and lets each concern register itself with ``init_app``. Nothing
changes the configuration after the factory returns.

The package imports nothing heavy at module level: ``ictkg validate`` imports
``server.validation.shacl``, and must not pay for Flask and the web modules it never uses.
"""

from server.app.factory import create_app

__all__ = ["create_app"]
