"""Generation settings (dataclass with help metadata) and their checks.

`sampling()` is the part that changes what samples mean (n, temperature, top_p, max_new_tokens, seed):
gate E refuses to compare results whose sampling differs (the seed excepted). `resume_key()` adds what
changes the exact samples (batch size, precision, backend): resuming a generations file under a
different resume key is an error, never a silent mix.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from core.errors import UserError
from core.meta import DEFAULT_SEED

PRECISIONS = ("auto", "fp32", "bf16")


# Rows (prompts x n samples) decoded together by default. On a 2-core CPU a decode step's matmuls run at
# ~35 GFLOP/s with 40 rows and ~70 with 160 (weights are read once per step for all rows), and with the
# shared-prefix cache (eval.backends.shared_prefix) 192 rows of ~700-token contexts hold ~3.5 GB of keys
# and values for the embedded model. Measured: 40 -> 160 rows, ~60 -> ~125 tokens/s (see the README).
ROWS_IN_FLIGHT = 192


@dataclass
class GenSettings:
    n: int = field(default=5, metadata={"help": "samples per item"})
    temperature: float = field(default=0.2, metadata={"help": "sampling temperature (0 = greedy)"})
    top_p: float = field(default=0.9, metadata={"help": "nucleus sampling mass"})
    max_new_tokens: int = field(default=300, metadata={"help": "cap on generated tokens per sample"})
    seed: int = field(default=DEFAULT_SEED, metadata={"help": "global seed; each batch's seed derives from it "
                                                      "and the item ids in the batch"})
    batch_size: int = field(default=0, metadata={"help": "prompts in flight (x n rows); a finished row's slot "
                                                         "goes to the next waiting prompt (continuous batching); "
                                                         f"0 = as many as make {ROWS_IN_FLIGHT} rows"})
    chunk: int = field(default=64, metadata={"help": "prompts per resumable chunk: samples are written when a "
                                                    "chunk ends, and a killed run redoes at most one chunk"})
    precision: str = field(default="auto", metadata={"help": "auto (bf16 only where this machine measures it "
                                                                   "faster, core.precision) | bf16 | fp32"})
    backend: str = field(default="hf", metadata={"help": "generation backend: hf (transformers) | vllm (GPU)"})
    stop_when_answered: bool = field(default=True, metadata={
        "help": "stop a sample once its domain says no continuation can change its score (domains.base."
                "answer_done; finish 'answered'): fewer tokens, the same scores"})
    stop_on_repetition: bool = field(default=True, metadata={
        "help": "stop a sample whose last lines are one short block repeated (eval.backends.repeating; "
                "finish 'repetition'): a loop that would run to the token limit"})

    def prompts_in_flight(self) -> int:
        """--batch-size, or for 0 (auto) as many prompts as make ROWS_IN_FLIGHT rows of n samples."""
        return self.batch_size or max(1, ROWS_IN_FLIGHT // self.n)

    def check(self) -> "GenSettings":
        problems = []
        if self.n < 1:
            problems.append(f"--n {self.n}: need at least 1 sample per item")
        if self.temperature < 0:
            problems.append(f"--temperature {self.temperature}: must be >= 0")
        if not 0 < self.top_p <= 1:
            problems.append(f"--top-p {self.top_p}: must be in (0, 1]")
        if self.max_new_tokens < 1:
            problems.append(f"--max-new-tokens {self.max_new_tokens}: must be >= 1")
        if self.batch_size < 0:
            problems.append(f"--batch-size {self.batch_size}: must be >= 1 (or 0 = auto)")
        if self.chunk < 1:
            problems.append(f"--chunk {self.chunk}: must be >= 1")
        if self.precision not in PRECISIONS:
            problems.append(f"--precision {self.precision!r}: expected one of {', '.join(PRECISIONS)}")
        if self.backend not in ("hf", "vllm"):
            problems.append(f"--backend {self.backend!r}: expected hf or vllm")
        if problems:
            raise UserError("bad generation settings:\n  " + "\n  ".join(problems))
        return self

    def sampling(self) -> dict:
        return {"n": self.n, "temperature": self.temperature, "top_p": self.top_p,
                "max_new_tokens": self.max_new_tokens, "seed": self.seed}

    def resume_key(self) -> dict:
        return asdict(self)


def check_scale(scale: float) -> float:
    scale = float(scale)
    if not 0.0 <= scale <= 2.0:
        raise UserError(f"adapter scale {scale} is outside 0..2 (1.0 = the adapter as trained)")
    return scale


def _help(name: str) -> str:
    return next(f.metadata["help"] for f in fields(GenSettings) if f.name == name).replace("%", "%%")


def add_generation_args(parser):
    """The generation flags every eval script shares (defaults from GenSettings)."""
    d = GenSettings()
    for name, typ in (("n", int), ("temperature", float), ("top_p", float), ("max_new_tokens", int), ("seed", int)):
        parser.add_argument("--" + name.replace("_", "-"), type=typ, default=getattr(d, name),
                            help=f"{_help(name)} (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=d.batch_size,
                        help="prompts in flight, each with n sequences; finished rows are refilled from the "
                             f"chunk's waiting prompts (default %(default)s: as many as make {ROWS_IN_FLIGHT} rows)")
    parser.add_argument("--chunk", type=int, default=d.chunk,
                        help="prompts per resumable chunk (default %(default)s)")
    parser.add_argument("--precision", default=d.precision, choices=PRECISIONS,
                        help=f"{_help('precision')} (default %(default)s)")
    parser.add_argument("--backend", default=d.backend, choices=("hf", "vllm"),
                        help=f"{_help('backend')} (default %(default)s)")
    parser.add_argument("--no-stop-when-answered", dest="stop_when_answered", action="store_false",
                        help="generate every sample to EOS or --max-new-tokens even after its answer is closed "
                             "(default: stop there; scores are the same, the domain's answer_done guarantees it)")
    parser.add_argument("--no-stop-on-repetition", dest="stop_on_repetition", action="store_false",
                        help="let a sample that repeats the same lines run on to --max-new-tokens (default: stop it, "
                             "finish 'repetition')")


def settings_from_args(args) -> GenSettings:
    return GenSettings(n=args.n, temperature=args.temperature, top_p=args.top_p,
                       max_new_tokens=args.max_new_tokens, seed=args.seed, batch_size=args.batch_size, chunk=args.chunk,
                       precision=args.precision, backend=args.backend,
                       stop_when_answered=args.stop_when_answered,
                       stop_on_repetition=getattr(args, "stop_on_repetition", True)).check()
