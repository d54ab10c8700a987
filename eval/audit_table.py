"""The audit as a short text report: one summary table (items, duplicates, overlap by class, gold
ceiling, input passes, schema warnings), then every item behind a non-zero figure, with its line."""
from __future__ import annotations

EXAMPLES = 3


def _lines(groups: list[dict]) -> str:
    return "; ".join("=".join(str(x) for x in g["lines"]) for g in groups)


def _dup_cell(count: int, groups: list[dict]) -> str:
    return f"{count} (lines {_lines(groups)})" if count else "0"


def rows(report: dict) -> list[tuple[str, str, str]]:
    """(what, eval, train) rows of the summary table."""
    ov, dup, gold = report.get("overlap"), report["duplicates"], report["gold_ceiling"]
    train = report.get("train")
    no_train = "not checked (no training set)"
    out = [("items", str(report["eval"]["items"]), str(train["items"]) if train else "-"),
           ("duplicates", _dup_cell(dup["eval_count"], dup["eval"]),
            _dup_cell(dup["train_count"], dup["train"]) if train else "-"),
           ("near-duplicate pairs", str(len(dup["eval_near"])), "-")]
    for label, key in (("overlap exact", "train_eval_exact"), ("overlap near", "train_eval_near"),
                       ("overlap template-near", "train_eval_template")):
        out.append((label, str(len(ov[key])) if ov else no_train, ""))
    pct = 100.0 * gold["passed"] / max(gold["total"], 1)
    out.append(("gold ceiling", f"{gold['passed']}/{gold['total']} ({pct:.1f}%)", ""))
    inputs = report.get("input_passes") or {"checked": 0, "items": []}
    if inputs["checked"]:
        found = inputs["items"]
        out.append(("input passes", f"{len(found)} of {inputs['checked']} edit items" + (
            f" (lines {', '.join(str(f.get('line') or '-') for f in found)})" if found else ""), ""))
    notes = {k: v for k, v in report["eval"].items() if k not in ("path", "sha256", "items")}
    if notes:
        out.append(("about the items", ", ".join(f"{k} {v}" for k, v in notes.items()), ""))
    out.append(("schema warnings", str(len(report.get("schema_warnings", []))), ""))
    return out


def details(report: dict) -> list[str]:
    """The items behind the figures: gold failures (all), template-near examples, schema warnings."""
    out = []
    for f in report["gold_ceiling"]["failures"]:
        out.append(f"  gold FAIL line {f.get('line') or '-'} {f['id']} [{f.get('family', '')}] {f['status']} "
                   f"at level {f.get('level') or '-'}: {f['detail'][:160]}")
    for f in (report.get("input_passes") or {}).get("items", []):
        out.append(f"  input passes line {f.get('line') or '-'} {f['id']} [{f.get('family', '')}]: {f['detail']}")
    tmpl = (report.get("overlap") or {}).get("train_eval_template", [])
    for t in tmpl[:EXAMPLES]:
        more = f" (+{len(t['train_ids']) - 2})" if len(t["train_ids"]) > 2 else ""
        shape = " ".join(t["shape"].split())[:100]
        out.append(f"  template-near line {t.get('line') or '-'} {t['eval_id']} ~ train "
                   f"{', '.join(t['train_ids'][:2])}{more}: {shape}")
    if len(tmpl) > EXAMPLES:
        out.append(f"  ... {len(tmpl) - EXAMPLES} more template-near items in the audit file")
    out += [f"  schema warning: {w}" for w in report.get("schema_warnings", [])]
    return out


def render(report: dict, out_path) -> str:
    table = rows(report)
    w0 = max(len(r[0]) for r in table)
    w1 = max(len(r[1]) for r in table + [("", "eval", "")])
    train = report.get("train")
    head = [f"audit of {report['eval']['path']}" + (f" against {train['path']}" if train else ""),
            f"  {'':<{w0}}  {'eval':<{w1}}  train"]
    body = [f"  {a:<{w0}}  {b:<{w1}}  {c}".rstrip() for a, b, c in table]
    tail = [f"verdict: {report['verdict']}" + (" (--allow-contaminated)" if report["allow_contaminated"] else "")
            + f"; written to {out_path}"]
    tail += [f"warning: {w}" for w in report.get("warnings", [])]
    return "\n".join(head + body + details(report) + tail)
