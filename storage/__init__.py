"""Persistence: sqlmodel tables, repositories, the unit of work, the engine and Alembic migrations."""
