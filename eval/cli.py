"""What the thin entry scripts share: common flags, domain/data/model resolution, default output
paths, and the error wrapper (UserError -> "error: ..." on stderr, exit 2)."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from core.errors import UserError
from core.files import shipped
from core.flags import renamed
from core.meta import ROOT


def add_data(p, eval_help: str | None = "eval JSONL in the domain's schema (default: the domain's)",
             train_help: str | None = None):
    """--eval-data (dest data) and --train-data (dest train), with their earlier spellings --data, --train."""
    if eval_help:
        p.add_argument("--eval-data", dest="data", default=None, help=eval_help)
        renamed(p, "--data", "--eval-data")
    if train_help:
        p.add_argument("--train-data", dest="train", default=None, help=train_help)
        renamed(p, "--train", "--train-data")


def add_common(p, data=True, model=True):
    p.add_argument("--domain", required=True, help="domain name (see domains/__init__.py)")
    if data:
        add_data(p)
        pick = p.add_mutually_exclusive_group()
        pick.add_argument("--limit", type=int, default=None,
                          help="only N items of --eval-data, taken in turn from each family (file order within a family)")
        pick.add_argument("--holdout", type=int, default=None, metavar="N",
                          help="only the items --limit N leaves out: confirm a choice made on --limit N on "
                               "items it was not made on")
    if model:
        p.add_argument("--model", default=os.environ.get("MODEL", "embedded"),
                       help="'embedded', a local model folder or a hub id (default %(default)s)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="validator processes")
    p.add_argument("--k", type=int, nargs="+", default=None, help="k values for pass@k (default: 1..n)")


def add_model_adapter(p, domain_help="domain name (prompts and validator)"):
    """--domain --model --adapter --scale --run, as serve, chat and export take them."""
    p.add_argument("--domain", required=True, help=domain_help)
    p.add_argument("--model", default=os.environ.get("MODEL") or "embedded",
                   help="base model: 'embedded', a local folder or a hub id (default %(default)s)")
    p.add_argument("--adapter", default=None,
                   help="PEFT adapter / checkpoint folder; 'auto': gate E's pick in --run, else its newest "
                        "checkpoint (eval/runs.py); 'none' or omitted: the base alone")
    p.add_argument("--scale", type=float, default=None,
                   help="adapter scale, 0..2 (default: gate E's pick with --adapter auto, else 1.0)")
    p.add_argument("--run", default=None,
                   help="with --adapter auto: training run name or folder (default: the newest of the domain)")


def parse_model_adapter(parser, argv):
    """(args, checked scale, domain) for a script built with add_model_adapter; args.adapter is resolved
    ('auto' -> a checkpoint folder or None, printed)."""
    from eval.runs import resolve_adapter
    from eval.settings import check_scale

    args = parser.parse_args(argv)
    domain = get_domain(args.domain)
    args.adapter, scale = resolve_adapter(domain.name, args.adapter, args.scale, args.run)
    return args, check_scale(scale), domain


def add_eval_run(p, out_help: str, train_help: str, allow_help: str | None = None):
    """The options every evaluating gate (B, D) shares besides add_common and the generation settings."""
    add_data(p, None, train_help)
    p.add_argument("--allow-contaminated", action="store_true", help=allow_help)
    p.add_argument("--keep-broken-gold", action="store_true",
                   help="score the items whose reference answer fails its own validator (default: leave them "
                        "out and list them); recorded in every result")
    p.add_argument("--keep-input-passes", action="store_true",
                   help="score the edit items whose input, left unchanged, passes their own check (default: "
                        "leave them out and list them: they cannot tell a fix from no fix); recorded")
    p.add_argument("--out", default=None, help=out_help)
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def setup(args):
    """(settings, ks, domain, data path, items, items read from the file) from parsed gate arguments;
    errors are UserErrors."""
    from eval.settings import settings_from_args

    settings = settings_from_args(args)
    domain = get_domain(args.domain)
    data, items, read = read_data(domain, args.data, args.limit, args.holdout)
    return settings, default_ks(args.k, settings.n), domain, data, items, read


def selection(args):
    """How the items were picked, as results record it: None (all), N (--limit N) or 'holdout N'."""
    return f"holdout {args.holdout}" if args.holdout else args.limit


def get_domain(name):
    import domains

    return domains.get(name)


def eval_data(domain, data, limit=None, holdout=None):
    """(path, items): read_data without the count of items read."""
    return read_data(domain, data, limit, holdout)[:2]


def read_data(domain, data, limit=None, holdout=None):
    """(path, items, items read): the domain loader reads and checks the file (DataError names file:line).
    `limit` N keeps stratified(items, N); `holdout` N keeps the items stratified(items, N) leaves out."""
    path = Path(data or shipped(domain.default_eval) or "")
    if not str(data or domain.default_eval):
        raise UserError(f"domain {domain.name!r} has no default eval set; pass --eval-data")
    for flag, v in (("--limit", limit), ("--holdout", holdout)):
        if v is not None and v < 1:
            raise UserError(f"{flag} {v}: must be >= 1")
    items = domain.load(path)
    if holdout:
        picked = {id(it) for it in stratified(items, holdout)}
        rest = [it for it in items if id(it) not in picked]
        if not rest:
            raise UserError(f"--holdout {holdout}: {path} has only {len(items)} items, none left out")
        return path, rest, len(items)
    return path, stratified(items, limit) if limit else items, len(items)


def stratified(items: list[dict], limit: int) -> list[dict]:
    """The first `limit` items taking one from each family in turn, so a limited run keeps the family
    mix (shipped files are grouped by family); file order is kept within a family."""
    by_fam: dict = {}
    for it in items:
        by_fam.setdefault(it.get("family", ""), []).append(it)
    picked, queues = [], [list(v) for v in by_fam.values()]
    while len(picked) < limit and any(queues):
        for q in queues:
            if q and len(picked) < limit:
                picked.append(q.pop(0))
    keep = {id(it) for it in picked}
    return [it for it in items if id(it) in keep]


def default_ks(ks, n):
    return ks if ks else list(range(1, n + 1))


def _folder(domain_name) -> str:
    import domains

    return domains.folder_name(domain_name)  # a spec file's path -> its name


def baseline_dir(domain_name, ref) -> Path:
    from eval.pipeline import model_slug

    return ROOT / "results" / _folder(domain_name) / model_slug(ref) / "baseline"


def run_dir(domain_name, run) -> Path:
    p = Path(run)
    return p if (p.is_dir() or os.sep in run) else ROOT / "adapters" / _folder(domain_name) / run


def run_results_dir(domain_name, run) -> Path:
    return ROOT / "results" / _folder(domain_name) / Path(run).name


def entry(fn):
    """Wrap a script's main: user errors print one line and exit 2; bugs keep their traceback."""
    @functools.wraps(fn)
    def wrapper(argv=None):
        try:
            return fn(argv)
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
    return wrapper


def family_table(res: dict) -> str:
    """A results.json's pass@k per family (and overall) as a plain-text table with the 95% intervals,
    what a person running gate B in a terminal wants to read before any JSON."""
    ks = sorted(res["pass_at_k"], key=lambda key: int(key.split("@")[1]))
    ks = ks[:1] + ks[-1:] if len(ks) > 1 else ks    # pass@1 and the largest k: the rest is in the JSON
    rows = [(fam, v["pass_at_k"]) for fam, v in sorted(res.get("families", {}).items())]
    rows.append(("all", res["pass_at_k"]))
    width = max(len(name) for name, _ in rows)
    out = [f"{'family':<{width}}  items  " + "  ".join(f"{k:>19}" for k in ks)]
    for name, pk in rows:
        cells = []
        for k in ks:
            v = pk[k]
            cells.append(f"{100 * v['value']:5.1f}% [{100 * v['ci95'][0]:4.1f}, {100 * v['ci95'][1]:4.1f}]")
        out.append(f"{name:<{width}}  {pk[ks[0]]['items']:>5}  " + "  ".join(f"{c:>19}" for c in cells))
    return "\n".join(out)

