"""Adapters: the database, the bus, the fan-out, observability."""
