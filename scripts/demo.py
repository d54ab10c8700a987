"""The CPU demo: gates A to E on the embedded model (SmolLM2-135M-Instruct), domains.DEFAULT_DOMAIN by default.

    .venv/bin/python scripts/demo.py [--domain <name>] [--out results/<domain>/demo] [--run-dir adapters/<domain>/demo]
    (make demo, make demo DOMAIN=<name or spec.yaml>)

A domain has a demo when it names its demo training config (`demo_config`, sized for minutes on a
2-core CPU) and how many eval items the demo scores (`demo_limit`); the settings below are shared.

Runs each gate's own script, in order, as a user would, with the demo's settings (below), and stops at
the first gate that fails. Every gate resumes its own work, so rerunning after a kill continues where it
stopped. Writes, next to the gates' own outputs:
  <out>/timings.json  measured wall time of each gate, summed over the runs that completed (never typed by hand)
  <out>/DEMO.md       the figures the README quotes: baseline and best pass@1/pass@5, per family,
                      the decision, the CPU and precision, and the command that produced them;
  <out>/REPORT.md     `make report`'s report with its pictures (loss, pass@k against k, families, heatmap).
Exit code: gate E's (0 PROCEED, 3 ADJUST), or the failing gate's.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.files import atomic_write_json, atomic_write_text  # noqa: E402
from domains import DEFAULT_DOMAIN, folder_name  # noqa: E402
from eval.gate_e import FORUM  # noqa: E402
from eval.passk import cell as _cell  # noqa: E402

# torch's worker threads spin while waiting; with anything else on 2 cores that costs 2-9x (eval/__init__)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DOMAIN = DEFAULT_DOMAIN
# Generation settings shared by gate B and gate D (gate E refuses results made with different ones).
# n=5 samples per item for pass@1..pass@5 as in the seed; temperature/top_p as the seed.
GEN = ["--n", "5", "--temperature", "0.2", "--top-p", "0.9", "--max-new-tokens", "192", "--seed", "3407"]
# The demo scores the domain's demo_limit eval items (eval.cli.stratified: the same number per family)
# to fit a 2-core CPU; `make baseline` and `make gate-d` score all of them.
K = "5"  # gate E decides on pass@5, +15 pp, as the seed's design
# Gate D in the demo: the last checkpoint at scale 1.0 only (`--sweep last`, 1 combination instead of 3).
# Measured: in every demo run recorded (docs/results/2026-12-04-*-demo.md, 2026-12-05-*-demo.md), the last
# checkpoint at 1.0 won or tied, on the demo's items and on the held-out ones (checkpoint-96 x 1.0 and
# checkpoint-192 x 0.5 scored lower, 0.25 scored 0%), and each combination costs a sixth of the demo on an
# AVX2-only CPU. So the demo chooses nothing between checkpoints and says so (gate D's summary.md);
# `make gate-d` keeps the full 0.25/0.5/1.0 grid over every checkpoint. A profile (DEMO=long), with time
# to spare, sweeps `best` at 0.5 and 1.0: every checkpoint at 1.0, then 0.5 on the best of them.
SCALES = ["--scales", "1.0", "--sweep", "last"]
PROFILE_SCALES = ["--scales", "0.5", "1.0", "--sweep", "best"]


def demo_settings(domain: str, profile: str = "") -> tuple[str, list[str]]:
    """(training config, --limit args) of a domain's demo, or of one of its profiles (`make demo
    DEMO=long`); a UserError when it has none."""
    import domains
    from core.errors import UserError

    dom = domains.get(domain)
    if not dom.demo_config:
        have = [n for n in domains.names() if domains.get(n).demo_config]
        raise UserError(f"domain {domain!r} has no demo (no demo_config); demos: {', '.join(have)}. Run its "
                        "gates one by one (make baseline / train / gate-d / gate-e DOMAIN=...)")
    if profile and profile not in dom.demo_profiles:
        raise UserError(f"domain {domain!r} has no demo profile {profile!r}; profiles: "
                        f"{', '.join(sorted(dom.demo_profiles)) or 'none'} (make demo without DEMO= runs the default)")
    return dom.demo_profiles[profile] if profile else dom.demo_config, ["--limit", str(dom.demo_limit)]


def _scored(py: str, out: Path, run_dir: Path, run: Path, domain: str, pick: list[str],
            scales: list[str]) -> dict[str, list[str]]:
    """Gates B, D and E on the items `pick` selects, outputs under `out`; D scores `run` (the run folder,
    or one of its checkpoints)."""
    base = str(out / "baseline" / "results.json")
    return {
        "B": [py, "scripts/baseline.py", "--domain", domain, "--model", "embedded", *GEN, *pick,
              "--out", str(out / "baseline")],
        "D": [py, "scripts/gate_d.py", "--domain", domain, "--model", "embedded", "--run", str(run), *GEN, *pick,
              *scales, "--baseline", base, "--out", str(out / "gate_d")],
        "E": [py, "scripts/gate_e.py", "--domain", domain, "--run", str(run_dir), "--k", K, "--baseline", base,
              "--gate-d", str(out / "gate_d" / "summary.json"), "--out", str(out)],
    }


def gate_commands(py: str, out: Path, run_dir: Path, domain: str = DOMAIN,
                  profile: str = "") -> list[tuple[str, list[str]]]:
    config, limit = demo_settings(domain, profile)
    bde = _scored(py, out, run_dir, run_dir, domain, limit, PROFILE_SCALES if profile else SCALES)
    return [
        ("A", [py, "env/gate_a.py", "--domain", domain, "--stack", "cpu", "--model", "embedded"]),
        ("B", bde["B"]),
        ("C", [py, "scripts/train.py", "--config", config, "--out", str(run_dir)]),
        ("D", bde["D"]),
        ("E", bde["E"]),
    ]


def holdout_commands(py: str, out: Path, run_dir: Path, domain: str, checkpoint: str,
                     scale: float) -> list[tuple[str, list[str]]]:
    """The held-out check: the eval items the demo did not score (`--holdout`, the complement of its
    `--limit`), base model and the checkpoint x scale gate E picked (nothing else, so nothing is chosen
    on these items), then gate E on them. Results under <out>/holdout/."""
    _, limit = demo_settings(domain)
    bde = _scored(py, out / "holdout", run_dir, run_dir / checkpoint, domain, ["--holdout", limit[1]],
                  ["--scales", f"{scale:g}"])
    return [(f"{g}-holdout", bde[g]) for g in "BDE"]


def report_command(py: str, out: Path, run_dir: Path, domain: str = DOMAIN) -> list[str]:
    """REPORT.md with its pictures (loss, pass@k against k, families, heatmap), beside DEMO.md."""
    return [py, "scripts/report.py", "--domain", domain, "--run", str(run_dir), "--baseline",
            str(out / "baseline" / "results.json"), "--out", str(out / "REPORT.md")]


def summary(out: Path, timings: dict, command: str, domain: str = DOMAIN) -> str:
    """DEMO.md: every figure read from the gates' own output files."""
    base = json.loads((out / "baseline" / "results.json").read_text())
    decision = json.loads((out / "decision.json").read_text())
    best = decision["best"]
    tuned = json.loads(Path(best["results"]).read_text())
    run = base.get("run", {})
    choice = base["generation"].get("precision_choice") or {}
    cpu = choice.get("cpu") or {}
    probe = choice.get("probe") or {}
    lines = [f"# Demo: gates A to E on the embedded model, {domain}", "",
             f"Produced by `{command}` at commit {run.get('git_commit', '?')}; "
             f"{run.get('host', {}).get('cpus', '?')} CPU cores, no GPU; CPU {cpu.get('cpu', '?')} "
             f"({cpu.get('capability', '?')}, native bf16: {', '.join(cpu.get('native_bf16_flags') or []) or 'none'}); "
             f"precision {base['generation'].get('precision')} ({choice.get('reason', '?')}); matmul probe fp32 "
             f"{probe.get('fp32_gflops', '?')} / bf16 {probe.get('bf16_gflops', '?')} GFLOP/s.", "",
             f"Decision: **{decision['decision']}**: {decision['metric']} {100 * decision['baseline']['value']:.1f}% "
             f"-> {100 * best['value']:.1f}% ({best['checkpoint']} at scale {best['scale']}), gain "
             f"{decision['gain_pp']:+.1f} pp, paired bootstrap 95% interval [{decision['ci95_pp'][0]:+.1f}, "
             f"{decision['ci95_pp'][1]:+.1f}] pp, threshold +{decision['threshold_pp']:.0f} pp; best of "
             f"{decision['combinations_compared']} checkpoint x scale combinations.", "",
             "| | pass@1 [95% CI] | pass@5 [95% CI] |", "| --- | --- | --- |",
             f"| baseline | {_cell(base['pass_at_k'], 1)} | {_cell(base['pass_at_k'], 5)} |",
             f"| {best['checkpoint']} x {best['scale']} | {_cell(tuned['pass_at_k'], 1)} | {_cell(tuned['pass_at_k'], 5)} |",
             "", "| family | baseline pass@1 | tuned pass@1 | baseline pass@5 | tuned pass@5 |",
             "| --- | --- | --- | --- | --- |"]
    for fam in sorted(base["families"]):
        b, t = base["families"][fam]["pass_at_k"], tuned["families"].get(fam, {}).get("pass_at_k", {})
        lines.append(f"| {fam} | {_cell(b, 1)} | {_cell(t, 1)} | {_cell(b, 5)} | {_cell(t, 5)} |")
    if decision.get("styles"):
        lines += ["", "| phrasing style | in training | items | baseline pass@5 | tuned pass@5 | gain, 95% CI (pp) |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for st, v in decision["styles"].items():
            seen = {True: "yes", False: "no (held out)", None: "?"}[v["in_training"]]
            seen = "no (plain requests)" if st == FORUM and v["in_training"] is False else seen
            lines.append(f"| {st} | {seen} | {v['items']} | {_cell(base['styles'][st]['pass_at_k'], 5)} | "
                         f"{_cell(tuned['styles'][st]['pass_at_k'], 5)} | {v['delta_pp']:+.1f} "
                         f"[{v['ci95_pp'][0]:+.1f}, {v['ci95_pp'][1]:+.1f}] |")
    lines += phrasing_lines(decision)
    lines += holdout_lines(out / "holdout")
    gen_s = {"B": base["throughput"]["generate_seconds"],
             "D": sum(json.loads(Path(c["results"]).read_text())["throughput"]["generate_seconds"]
                      for c in json.loads((out / "gate_d" / "summary.json").read_text())["combinations"])}
    lines += ["", "| gate | wall time, runs that completed (s) | generation, all attempts (s) |",
              "| --- | --- | --- |"]
    lines += [f"| {g} | {t:.0f} | {gen_s[g]:.0f} |" if g in gen_s else f"| {g} | {t:.0f} | |"
              for g, t in timings.items()]
    total = sum(timings.values())
    lines.append(f"| all | {total:.0f} ({total / 60:.1f} min) | {sum(gen_s.values()):.0f} |")
    lines += ["", "Wall time adds up every run of the gate that completed (a rerun of a finished gate adds the "
              "seconds its checks take; an attempt killed mid-way is not counted, and its rerun resumes), while "
              "the generation column adds up every attempt (from results.json).", "",
              "Generation: " + ", ".join(f"{k} {v}" for k, v in base["generation"].items()
                                         if k not in ("sampling", "precision_choice"))
              + f"; baseline throughput {base.get('throughput', {}).get('tokens_per_s', '?')} tokens/s."]
    return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    """A path as the README and DEMO.md show it: relative to the repository when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def holdout_lines(h: Path) -> list[str]:
    """DEMO.md's held-out section, from <out>/holdout/ (nothing when the check did not run)."""
    if not (h / "decision.json").is_file():
        return []
    d = json.loads((h / "decision.json").read_text())
    base = json.loads(Path(d["baseline"]["results"]).read_text())
    tuned = json.loads(Path(d["best"]["results"]).read_text())
    fams = " / ".join(f"{f} {_cell(tuned['families'][f]['pass_at_k'], 5)}" for f in sorted(tuned["families"]))
    lines = ["", f"## Held out: the {d['items']} eval items the demo did not score", "",
             f"Base model and {d['best']['checkpoint']} x {d['best']['scale']} only (gate E's pick above; nothing "
             f"is chosen on these items). Gate E on them: **{d['decision']}**, gain {d['gain_pp']:+.1f} pp, "
             f"paired bootstrap 95% interval [{d['ci95_pp'][0]:+.1f}, {d['ci95_pp'][1]:+.1f}] pp "
             f"(`{_shown(h / 'decision.md')}`).", "",
             "| held out | pass@1 [95% CI] | pass@5 [95% CI] |", "| --- | --- | --- |",
             f"| baseline | {_cell(base['pass_at_k'], 1)} | {_cell(base['pass_at_k'], 5)} |",
             f"| {d['best']['checkpoint']} x {d['best']['scale']} | {_cell(tuned['pass_at_k'], 1)} | "
             f"{_cell(tuned['pass_at_k'], 5)} |", "", f"pass@5 by family: {fams}."]
    return lines + phrasing_lines(d)


def phrasing_lines(d: dict) -> list[str]:
    """Gate E's two phrasing lines, when it wrote them: the held-out-register gap and the plain requests."""
    from eval.gate_e import plain_line, robustness_line

    lines = ["", robustness_line(d["robustness"], d["metric"])] if d.get("robustness") else []
    return lines + (["", plain_line(d["plain_requests"], d["metric"])] if d.get("plain_requests") else [])


def make_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--domain", default=DOMAIN, help="domain with a demo config (default %(default)s)")
    p.add_argument("--profile", default="", help="another training config of the domain's demo (its "
                   "demo_profiles, e.g. long); default: the demo's own")
    p.add_argument("--holdout", action=argparse.BooleanOptionalAction, default=None,
                   help="after gate E, score the eval items the demo did not (base model and the picked "
                   "checkpoint x scale only) and decide on them too (default: on with --profile)")
    p.add_argument("--out", default="", help="default results/<domain>/demo[-<profile>]")
    p.add_argument("--run-dir", default="", help="default adapters/<domain>/demo[-<profile>]")
    return p


def main(argv=None) -> int:
    args = make_parser().parse_args(argv)
    name = "demo" + (f"-{args.profile}" if args.profile else "")
    out = Path(args.out or ROOT / "results" / folder_name(args.domain) / name)
    run_dir = Path(args.run_dir or ROOT / "adapters" / folder_name(args.domain) / name)
    try:
        demo_settings(args.domain, args.profile)
    except Exception as exc:  # UserError: no demo for this domain; unknown domain
        print(f"error: {exc}", file=sys.stderr)
        return 2
    timings_path = out / "timings.json"
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    holdout = bool(args.profile) if args.holdout is None else args.holdout

    def run(gate, cmd) -> int:
        print(f"\n=== gate {gate}: {' '.join(cmd[1:])}", flush=True)
        t = time.perf_counter()
        code = subprocess.run(cmd, cwd=ROOT).returncode
        # Added to the gate's earlier runs: a rerun of a finished demo adds the seconds its checks take
        # instead of replacing the real figures; an attempt killed mid-way is never recorded.
        timings[gate] = round(timings.get(gate, 0.0) + time.perf_counter() - t, 1)
        atomic_write_json(timings_path, timings)
        return code

    def stops(gate, code) -> bool:  # gate E's ADJUST (3) is a verdict, not a failure
        if code != 0 and not (gate.startswith("E") and code == 3):
            print(f"demo stopped: gate {gate} exited {code}", file=sys.stderr)
            return True
        return False

    rc = 0
    for gate, cmd in gate_commands(sys.executable, out, run_dir, args.domain, args.profile):
        rc = run(gate, cmd)
        if stops(gate, rc):
            return rc
    if holdout:
        best = json.loads((out / "decision.json").read_text())["best"]
        for gate, cmd in holdout_commands(sys.executable, out, run_dir, args.domain, best["checkpoint"], best["scale"]):
            code = run(gate, cmd)
            if stops(gate, code):
                return code
    command = ("make demo" + (f" DOMAIN={args.domain}" if args.domain != DOMAIN else "")
               + (f" DEMO={args.profile}" if args.profile else ""))
    text = summary(out, timings, command, args.domain)
    atomic_write_text(out / "DEMO.md", text)
    print("\n" + text)
    subprocess.run(report_command(sys.executable, out, run_dir, args.domain), cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"report with pictures: {out / 'REPORT.md'}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
