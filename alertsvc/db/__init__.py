"""Persistence: typed rows, the engine and session, and repositories that translate rows."""
