"""Server-rendered pages for parents and admins (SPEC §6)."""
