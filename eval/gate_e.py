"""Gate E: the best gate-D combination against the baseline -> PROCEED or ADJUST.

What it does: refuses to compare results made on different eval data (file hash and item ids),
domain/validator versions or sampling settings; recomputes per-item pass@k from the stored (n, c)
counts; picks the best checkpoint x scale; computes the gain in percentage points with a paired
bootstrap interval (resampling items, both arms together); per-family deltas; recommendations when the
gain misses the threshold. Writes decision.json and decision.md.

Decision rule: PROCEED when the point gain >= threshold (default +15 pp), else ADJUST. The report also
says whether the interval's lower bound clears the threshold (with --require-ci that is the rule).
Exit codes: 0 PROCEED, 3 ADJUST, 2 user error.

What it does not do: correct for choosing the best of many combinations on the same eval set. That
choice is optimistic (winner's curse); decision.md says so and how many combinations were compared.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.errors import UserError
from core.files import atomic_write_json, atomic_write_text, read_json
from core.meta import run_info
from eval import passk

PROCEED, ADJUST = "PROCEED", "ADJUST"
EXIT = {PROCEED: 0, ADJUST: 3}
SAMPLING_KEYS = ("n", "temperature", "top_p", "max_new_tokens")
COMPUTE_KEYS = ("precision", "backend")  # how the samples were computed: bf16 vs fp32 sample differently
# The plain-request slice's register (an item's `style`): eval-only requests written the way a player or a
# developer asks in a forum (no prefix, no field list, values in words). Reported on its own line
# (plain_requests), never pooled into the held-out-register robustness gap, which measures the registers
# a domain's builder holds out of its own templates.
FORUM = "forum"


def compute_of(res: dict) -> dict:
    """The precision and backend a result was generated with (older results: as recorded, or None)."""
    gen = res.get("generation", {})
    return {k: gen.get(k) for k in COMPUTE_KEYS}


def compute_mismatch(base: dict, other: dict, label: str) -> list[str]:
    """Precision/backend differences: refused unless --allow-compute-mismatch, and then recorded."""
    b, o = compute_of(base), compute_of(other)
    return [f"{label}: generation {k} {o[k]!r} vs baseline {b[k]!r}" for k in COMPUTE_KEYS if b[k] != o[k]]


def comparable(base: dict, other: dict, label: str) -> list[str]:
    """Reasons why `other` cannot be compared with `base` (empty list = comparable)."""
    why = []
    if base["data"]["sha256"] != other["data"]["sha256"]:
        why.append(f"{label}: eval data differs (sha256 {other['data']['sha256'][:12]} vs "
                   f"{base['data']['sha256'][:12]})")
    if set(base["items"]) != set(other["items"]):
        why.append(f"{label}: evaluated on other items ({len(other['items'])} vs {len(base['items'])}; --limit?)")
    for key in ("name", "version"):
        if base["domain"].get(key) != other["domain"].get(key):
            why.append(f"{label}: domain {key} {other['domain'].get(key)!r} vs {base['domain'].get(key)!r} "
                       "(template/validator changed)")
    bs, os_ = base["generation"]["sampling"], other["generation"]["sampling"]
    for key in SAMPLING_KEYS:
        if bs.get(key) != os_.get(key):
            why.append(f"{label}: generation {key} {os_.get(key)!r} vs {bs.get(key)!r}")
    if base["model"].get("name") != other["model"].get("name"):
        why.append(f"{label}: base model {other['model'].get('name')!r} vs {base['model'].get('name')!r}")
    return why


def per_item(res: dict, ids: list, k: int) -> np.ndarray:
    return np.array([passk.pass_at_k(res["items"][i]["n"], res["items"][i]["c"], k) for i in ids])


def load_combinations(summary_path) -> tuple[dict, list[dict]]:
    summary = read_json(summary_path)
    combos = []
    for row in summary.get("combinations", []):
        res = read_json(row["results"])
        combos.append({"row": row, "results": res})
    if not combos:
        raise UserError(f"{summary_path}: no gate D combinations listed; run gate D first")
    return summary, combos


def decide(baseline_path, summary_path, k: int | None = None, threshold_pp: float = 15.0, require_ci: bool = False,
           n_boot: int = passk.DEFAULT_BOOTSTRAP, seed: int = 0, allow_compute_mismatch: bool = False,
           against: str | None = None) -> dict:
    """`against` names the run whose gate-E pick `baseline_path` is (SFT+DPO against SFT), else the base model."""
    base = read_json(baseline_path)
    summary, combos = load_combinations(summary_path)
    n = base["generation"]["sampling"]["n"]
    k = n if k is None else k  # the seed's design decides on pass@n (pass@5 with n=5)
    passk.check_ks([k], n)
    problems = [p for c in combos for p in comparable(base, c["results"], c["row"]["checkpoint"]
                                                    + f" x{c['row']['scale']:g}")]
    mismatch = [p for c in combos for p in compute_mismatch(base, c["results"], c["row"]["checkpoint"]
                                                            + f" x{c['row']['scale']:g}")]
    if mismatch and not allow_compute_mismatch:
        problems += mismatch + ["(results computed in another precision or backend sample differently; rerun "
                                "one side with the other's --precision/--backend, or pass "
                                "--allow-compute-mismatch to compare anyway, which is recorded)"]
    if problems:
        raise UserError("gate E refuses to compare these results:\n  " + "\n  ".join(problems))
    ids = sorted(base["items"])
    b_items = per_item(base, ids, k)
    scored = [(float(per_item(c["results"], ids, k).mean()), c) for c in combos]
    best_val, best = max(scored, key=lambda t: (t[0], -(t[1]["row"]["step"] or 0)))
    best_items = per_item(best["results"], ids, k)
    paired = passk.paired_bootstrap(b_items, best_items, n_boot=n_boot, seed=seed)
    gain_pp = 100 * paired["gain"]
    lo_pp, hi_pp = (100 * x for x in paired["ci95"])
    verdict = PROCEED if (lo_pp if require_ci else gain_pp) >= threshold_pp else ADJUST
    fams = family_deltas(base, best["results"], ids, k, n_boot, seed)
    trained = trained_styles(best["row"].get("adapter") or best["row"]["checkpoint"])
    styles = style_deltas(base, best["results"], ids, k, trained, n_boot, seed)
    robust = robustness(base, best["results"], ids, k, styles, n_boot, seed)
    plain = plain_requests(base, best["results"], ids, k, styles, n_boot, seed)
    decision = {
        "format": "workbench.eval.decision/1", "decision": verdict, "exit_code": EXIT[verdict],
        "metric": f"pass@{k}", "threshold_pp": threshold_pp, "rule": "ci_lower" if require_ci else "point",
        "baseline": {"results": str(baseline_path), "value": float(b_items.mean()),
                     "label": f"run {against}'s pick" if against else "baseline"},
        "against": against,
        "best": {"checkpoint": best["row"]["checkpoint"], "step": best["row"]["step"],
                 "scale": best["row"]["scale"], "results": best["row"]["results"], "value": best_val},
        "gain_pp": round(gain_pp, 3), "ci95_pp": [round(lo_pp, 3), round(hi_pp, 3)],
        "ci_lower_clears_threshold": lo_pp >= threshold_pp, "p_gain_le_0": paired["p_gain_le_0"],
        "items": len(ids), "combinations_compared": len(combos),
        "selection_note": (f"The best of {len(combos)} checkpoint x scale combinations was picked on the same "
                           "eval set it is scored on, so its gain is optimistic; confirm on held-out data."),
        "families": fams,
        "styles": styles,
        "robustness": robust,
        "plain_requests": plain,
        "all_combinations": sorted(({"checkpoint": c["row"]["checkpoint"], "scale": c["row"]["scale"],
                                     "value": v} for v, c in scored), key=lambda r: -r["value"]),
        "allow_contaminated": bool(base.get("allow_contaminated")
                                   or any(c["results"].get("allow_contaminated") for c in combos)),
        "gold_ceiling": (base.get("audit") or {}).get("gold_ceiling"),
        "compute": {"baseline": compute_of(base), "best": compute_of(best["results"]),
                    "mismatch": mismatch, "allow_compute_mismatch": bool(allow_compute_mismatch)},
        "data": base["data"], "domain": base["domain"], "sampling": base["generation"]["sampling"],
        "run": run_info(),
    }
    decision["recommendations"] = recommend(decision, summary, best) if verdict == ADJUST else []
    return decision


def slice_delta(base: dict, best: dict, sub: list, k: int, n_boot: int, seed: int) -> dict:
    """Baseline and best pass@k on the items `sub`, the gain and its paired bootstrap interval."""
    b, o = per_item(base, sub, k), per_item(best, sub, k)
    paired = passk.paired_bootstrap(b, o, n_boot=n_boot, seed=seed)
    return {"items": len(sub), "baseline": float(b.mean()), "best": float(o.mean()),
            "delta_pp": round(100 * paired["gain"], 3), "ci95_pp": [round(100 * x, 3) for x in paired["ci95"]]}


def family_deltas(base: dict, best: dict, ids: list, k: int, n_boot: int = passk.DEFAULT_BOOTSTRAP,
                  seed: int = 0) -> dict:
    """Per family: baseline, best, the gain and its paired bootstrap interval."""
    return {fam: slice_delta(base, best, [i for i in ids if base["items"][i]["family"] == fam], k, n_boot, seed)
            for fam in sorted({base["items"][i]["family"] for i in ids})}


def trained_styles(checkpoint) -> list | None:
    """The phrasing styles the adapter was trained on (its workbench.json), or None when not recorded."""
    meta = Path(str(checkpoint)) / "workbench.json"
    try:
        styles = json.loads(meta.read_text())["train_data"].get("styles")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sorted(styles) if styles else None


def style_deltas(base: dict, best: dict, ids: list, k: int, trained: list | None, n_boot: int,
                 seed: int) -> dict:
    """Per phrasing style (the instruction's register, where items record one): baseline, best, the gain
    and its paired bootstrap interval, and whether the adapter saw that style in training (`in_training`
    False = a phrasing-robustness slice: did the adapter learn the domain or the template?)."""
    return {st: {**slice_delta(base, best, [i for i in ids if base["items"][i].get("style") == st], k, n_boot, seed),
                 "in_training": None if trained is None else st in trained}
            for st in sorted({base["items"][i].get("style") for i in ids} - {None, ""})}


def styles_gap(base: dict, best: dict, ids: list, k: int, held: set, seen: set, n_boot: int, seed: int):
    """passk.stratified_gap of the best combination's per-item pass@k: items in the `held` styles against
    items in the `seen` styles, within families."""
    groups: dict = {"held": {}, "seen": {}}
    for i in ids:
        st = base["items"][i].get("style")
        side = "held" if st in held else "seen" if st in seen else None
        if side:
            groups[side].setdefault(base["items"][i]["family"], []).append(i)
    score = {side: {f: per_item(best, sub, k) for f, sub in g.items()} for side, g in groups.items()}
    return passk.stratified_gap(score["held"], score["seen"], n_boot=n_boot, seed=seed)


def robustness(base: dict, best: dict, ids: list, k: int, styles: dict, n_boot: int, seed: int) -> dict | None:
    """The phrasing-robustness gap: the best combination's pass@k on items asked in registers the adapter
    never trained on minus its pass@k on items in trained registers, within each family (the held-out
    items' family mix as weights), with an interval. Near 0: the adapter learnt the domain, not the
    training template. None unless both kinds of items are present and the trained styles are known.
    The plain-request slice (FORUM) is left out: plain_requests reports it on its own line."""
    held = {st for st, v in styles.items() if v["in_training"] is False and st != FORUM}
    seen = {st for st, v in styles.items() if v["in_training"] is True}
    if not held or not seen:
        return None
    gap = styles_gap(base, best, ids, k, held, seen, n_boot, seed)
    if gap is None:
        return None
    return {"held_out_styles": sorted(held), "trained_styles": sorted(seen), "held_out": gap["held"],
            "trained": gap["seen"], "gap_pp": round(100 * gap["gap"], 3),
            "ci95_pp": [round(100 * x, 3) for x in gap["ci95"]], "within": "family",
            "family_weights": gap["weights"]}


def plain_requests(base: dict, best: dict, ids: list, k: int, styles: dict, n_boot: int, seed: int) -> dict | None:
    """The plain-request slice (items whose style is FORUM): baseline -> best pass@k with the paired
    interval (as style_deltas), and the best combination's gap to the items in trained registers within
    families (as robustness, the forum items' family mix as weights; None when the trained styles are not
    known or no family has both). None when there are no forum items."""
    if FORUM not in styles:
        return None
    v = styles[FORUM]
    seen = {st for st, s in styles.items() if s["in_training"] is True and st != FORUM}
    gap = styles_gap(base, best, ids, k, {FORUM}, seen, n_boot, seed) if seen else None
    return {"style": FORUM, "items": v["items"], "baseline": v["baseline"], "best": v["best"],
            "delta_pp": v["delta_pp"], "ci95_pp": v["ci95_pp"], "in_training": v["in_training"],
            "trained_styles": sorted(seen),
            "gap_vs_trained": None if gap is None else {
                "gap_pp": round(100 * gap["gap"], 3), "ci95_pp": [round(100 * x, 3) for x in gap["ci95"]],
                "trained": gap["seen"], "forum": gap["held"], "within": "family",
                "family_weights": gap["weights"]}}


def plain_line(p: dict, metric: str) -> str:
    """The one line gate E, decision.md and DEMO.md print for the plain-request slice."""
    line = (f"Plain requests ({p['style']}): {p['items']} items, {metric} {100 * p['baseline']:.1f}% -> "
            f"{100 * p['best']:.1f}%, gain {p['delta_pp']:+.1f} pp, paired 95% interval [{p['ci95_pp'][0]:+.1f}, "
            f"{p['ci95_pp'][1]:+.1f}]")
    if p.get("in_training"):   # the slice is eval-only by contract: say so loudly when a training set broke it
        line += " (**the adapter trained on this register**: these are not unseen requests)"
    g = p.get("gap_vs_trained")
    if g is None:
        return line + "; no gap to trained registers (the trained styles are unknown or share no family)."
    return (line + f"; against the {g['trained']['items']} items in trained registers within families the gap is "
            f"**{g['gap_pp']:+.1f} pp**, 95% interval [{g['ci95_pp'][0]:+.1f}, {g['ci95_pp'][1]:+.1f}].")


def robustness_line(r: dict, metric: str) -> str:
    return (f"Phrasing robustness: the best combination scores {100 * r['held_out']['mean']:.1f}% {metric} on the "
            f"{r['held_out']['items']} items asked in registers it never trained on ({', '.join(r['held_out_styles'])}) "
            f"and {100 * r['trained']['mean']:.1f}% on the {r['trained']['items']} in trained registers; within "
            f"families the gap is **{r['gap_pp']:+.1f} pp**, 95% interval [{r['ci95_pp'][0]:+.1f}, "
            f"{r['ci95_pp'][1]:+.1f}] (0 = the adapter answers as well however it is asked).")


def recommend(d: dict, summary: dict, best: dict) -> list[str]:
    """Concrete next steps, from where the best combination sits in the checkpoint x scale grid and from
    the adapter's own configuration (never suggest what the run already does)."""
    recs = []
    fams = d["families"]
    if fams:
        weak = min(fams, key=lambda f: (fams[f]["best"], fams[f]["delta_pp"]))
        recs.append(f"Weakest family: {weak!r} at {100 * fams[weak]['best']:.1f}% ({fams[weak]['delta_pp']:+.1f} pp "
                    f"vs {d['baseline']['label']}): add or fix training examples of this family first.")
    by_step: dict = {}
    for c in d.get("all_combinations", []):
        step = _step_of(c["checkpoint"])
        if step is not None:
            by_step[step] = max(by_step.get(step, 0.0), c["value"])
    step, scale = d["best"]["step"], d["best"]["scale"]
    if len(by_step) > 1 and step == max(by_step):
        recs.append(f"Best at the last checkpoint (step {step}): the run had not peaked; train for more steps.")
    elif len(by_step) > 1 and by_step[max(by_step)] < d["best"]["value"]:
        recs.append(f"Best at step {step}, and the last checkpoint (step {max(by_step)}) scores lower "
                    f"({100 * by_step[max(by_step)]:.1f}% vs {100 * d['best']['value']:.1f}%): overfitting; lower "
                    "the learning rate, train fewer steps, or add data.")
    elif len(by_step) == 1:
        recs.append(f"Only one checkpoint (step {step}) was evaluated: save more often (--save-steps) to see the "
                    "trend.")
    if scale < 1:
        recs.append(f"Best at scale {scale:g} < 1: the full adapter overshoots; lower the learning rate or rank.")
    elif scale > 1:
        recs.append(f"Best at scale {scale:g} > 1: the adapter is too weak; more steps or a higher learning rate.")
    cfg = _adapter_config(best["row"]["adapter"])
    rank = int(cfg.get("r") or 0)
    if cfg and d["gain_pp"] < d["threshold_pp"] / 2 and d.get("against"):
        recs.append(f"Gain {d['gain_pp']:+.1f} pp over {d['baseline']['label']} is far below "
                    f"+{d['threshold_pp']:g}: a run that continues another keeps its adapter's shape, so change "
                    "this run's own data or settings (for DPO: more or better pairs, beta, loss_type, steps).")
    elif cfg and d["gain_pp"] < d["threshold_pp"] / 2:
        bigger = []
        if rank:
            bigger.append(f"raise the LoRA rank (r={rank} -> {2 * rank})")
        targets = cfg.get("target_modules") or []
        targets = [targets] if isinstance(targets, str) else list(targets)
        if targets and "all-linear" not in targets and not {"gate_proj", "up_proj", "down_proj"} <= set(targets):
            bigger.append("target all linear layers (--target-modules all_linear)")
        if cfg.get("layers_to_transform"):
            bigger.append("drop the layer restriction (--layers '')")
        if bigger:
            recs.append(f"Gain {d['gain_pp']:+.1f} pp is far below +{d['threshold_pp']:g}: give the adapter more "
                        "capacity: " + "; ".join(bigger) + ".")
    if d["gain_pp"] <= 0:
        recs.append("No combination beats the baseline: check that training data uses the same prompt template "
                    "and family mix as the eval set.")
    gold = d.get("gold_ceiling")
    if gold is not None and gold < 1:
        recs.append(f"Gold ceiling is {100 * gold:.1f}%: some reference answers fail their own validator; fix "
                    "those items (see audit.json) before reading small gains.")
    return recs


def _step_of(checkpoint: str):
    tail = str(checkpoint).rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _adapter_config(adapter_dir) -> dict:
    try:
        cfg = read_json(Path(adapter_dir) / "adapter_config.json")
    except (UserError, ValueError, TypeError):
        return {}
    return cfg if isinstance(cfg, dict) else {}


def write_decision(decision: dict, out_dir) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    return (atomic_write_json(out_dir / "decision.json", decision),
            atomic_write_text(out_dir / "decision.md", markdown(decision)))


def markdown(d: dict) -> str:
    m, thr, base = d["metric"], d["threshold_pp"], d["baseline"]["label"]
    lines = [f"# Gate E decision: **{d['decision']}**", "",
             f"{m}: {base} {100 * d['baseline']['value']:.1f}% -> best {100 * d['best']['value']:.1f}% "
             f"({d['best']['checkpoint']} at scale {d['best']['scale']:g}), gain **{d['gain_pp']:+.1f} pp** "
             f"(threshold +{thr:g} pp, rule: {d['rule']}).", "",
             f"Paired bootstrap 95% interval of the gain over {d['items']} items: [{d['ci95_pp'][0]:+.1f}, "
             f"{d['ci95_pp'][1]:+.1f}] pp; its lower bound "
             + ("clears" if d["ci_lower_clears_threshold"] else "does **not** clear") + " the threshold. "
             f"Share of resamples with no gain: {d['p_gain_le_0']:.3f}.", "",
             f"Caution: {d['selection_note']}", ""]
    if d["allow_contaminated"]:
        lines += ["**Contamination override**: these results were made with --allow-contaminated "
                  "(train/eval overlap was found and accepted).", ""]
    comp = d.get("compute") or {}
    if comp.get("mismatch"):
        lines += ["**Compute override**: baseline and tuned results were generated differently "
                  "(--allow-compute-mismatch): " + "; ".join(comp["mismatch"]) + ".", ""]
    elif comp:
        lines += [f"Computed in {comp['baseline'].get('precision')} with the {comp['baseline'].get('backend')} "
                  "backend on both sides.", ""]
    lines += [f"| family | items | {base} | best | delta (pp) | 95% interval (pp) |", "|---|---|---|---|---|---|"]
    for f, v in d["families"].items():
        ci = f"[{v['ci95_pp'][0]:+.1f}, {v['ci95_pp'][1]:+.1f}]" if v.get("ci95_pp") else "?"
        lines.append(f"| {f} | {v['items']} | {100 * v['baseline']:.1f} | {100 * v['best']:.1f} | {v['delta_pp']:+.1f} "
                     f"| {ci} |")
    if d.get("styles"):
        lines += ["", f"| phrasing style | in training | items | {base} | best | delta (pp) | 95% interval (pp) |",
                  "|---|---|---|---|---|---|---|"]
        for st, v in d["styles"].items():
            seen = {True: "yes", False: "**no (held out)**", None: "?"}[v["in_training"]]
            seen = "**no (plain requests)**" if st == FORUM and v["in_training"] is False else seen
            lines.append(f"| {st} | {seen} | {v['items']} | {100 * v['baseline']:.1f} | {100 * v['best']:.1f} | "
                         f"{v['delta_pp']:+.1f} | [{v['ci95_pp'][0]:+.1f}, {v['ci95_pp'][1]:+.1f}] |")
    if d.get("robustness"):
        lines += ["", robustness_line(d["robustness"], m)]
    if d.get("plain_requests"):
        lines += ["", plain_line(d["plain_requests"], m)]
    if d["recommendations"]:
        lines += ["", "## Recommendations", ""] + [f"- {r}" for r in d["recommendations"]]
    lines += ["", f"Data: {d['data']['path']} (sha256 {d['data']['sha256'][:12]}), domain {d['domain']['name']} "
              f"version {d['domain']['version']}, sampling {d['sampling']}.", ""]
    return "\n".join(lines)
