"""The JSON API (SPEC §5): parse, call one service, serialize."""
