"""The relational store (SQLAlchemy 2): comments, decisions, labels, moderators, sites, keys, models.

Plain Python: nothing here knows of Flask. ``Database`` owns the engine and session factory; the
ORM classes are in ``service.store.tables``.
"""
from service.store.db import Database, session_scope
from service.store import tables

__all__ = ["Database", "session_scope", "tables"]
