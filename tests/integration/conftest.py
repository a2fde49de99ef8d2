"""Fixtures of the integration tier: a migrated, empty database per test, on each engine
(db_fixtures.py, shared with the contract suites)."""

from db_fixtures import db, db_url, postgres_database, sqlite_template

__all__ = ["db", "db_url", "postgres_database", "sqlite_template"]
