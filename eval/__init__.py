"""Evaluation gates B, D and E: generate -> score -> pass@k with intervals -> decide.

Generation and scoring are separate steps with a JSONL file between them, so scores are testable on
golden generation files. Nothing here knows a particular domain: everything goes through the contract in
domains/base.py.
"""
