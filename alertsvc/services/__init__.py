"""Use cases: each takes a session and instants, and never commits (the caller does)."""
