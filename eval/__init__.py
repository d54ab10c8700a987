"""Evaluation gates B, D and E: generate -> score -> pass@k with intervals -> decide.

Generation and scoring are separate steps with a JSONL file between them, so scores are testable on
golden generation files. Nothing here knows a particular domain: everything goes through the contract in
domains/base.py.
"""

import os as _os

# With other CPU work on the machine, OpenMP threads that spin-wait at barriers made a 2-thread forward
# pass 2-9x slower than a 1-thread one here; passive waiting removes that (must be set before torch loads).
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
