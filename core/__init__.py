"""Shared plumbing for every gate: errors, atomic files, JSONL, model resolution, run metadata."""
