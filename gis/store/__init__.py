"""The layer store (SQLite embedded default, or PostGIS): see ``gis.store.store``."""

from gis.store.store import Store, WriteResult, open_store

__all__ = ["Store", "WriteResult", "open_store"]
