"""Engines: what builds, renders and syncs a session's document (DESIGN.md §2.7)."""
