"""An optional vision-model rating of rendered answers, beside (never instead of) the validator.

For a domain whose validator keeps a picture of each answer (`domain.picture`, e.g. a 3D scene
screenshots), every sample of a scored run is shown to a vision model behind any OpenAI-compatible
endpoint with the request it answered; the model answers one number in 0..1 (the seed system's rating).
Written to `judge.jsonl` beside the run's results (resumable: a rerun asks only what is missing) and
summarised in `results.json` under `judge`: the endpoint and model, the mean over samples with a
picture, the mean counting a sample without one (it did not run) as 0, per family, and how many
answers could not be read as a number. pass@k and gate E never read it.
"""
from __future__ import annotations

import base64
import re
from collections import defaultdict
from pathlib import Path

from core.errors import UserError
from core.files import AppendLog, atomic_write_json, iter_jsonl, read_json

SYSTEM = ("You rate how well a rendered 3D scene matches the request it was made for. Look at the picture, "
          "compare it with the request (objects, counts, colours, background, lights, camera) and answer "
          "with one number between 0 (nothing matches) and 1 (everything matches). Only the number.")
KEY = lambda r: (r["id"], r["sample"])  # noqa: E731
NUMBER = re.compile(r"(?<![\d.])(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)(?![\d.])")


def parse_score(text: str) -> float | None:
    """The first number in 0..1 in the judge's answer, or None."""
    m = NUMBER.search(text or "")
    return float(m.group(1)) if m else None


def request_messages(request: str, png: Path) -> list[dict]:
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": [
                {"type": "text", "text": f"Request:\n{request}\n\nHow well does the picture match it (0..1)?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}]}]


def run_judge(results_path, ask, model: str, url: str, progress: bool = True) -> dict:
    """Rate every sample of the run behind `results_path`; `ask(messages) -> text` sends one request.
    Returns the summary also written into results.json."""
    import domains

    results_path = Path(results_path)
    res = read_json(results_path)
    dom = domains.from_description(res["domain"])
    if not dom.keeps_pictures():
        raise UserError(f"domain {dom.name!r} keeps no pictures of its answers: nothing for a vision judge to rate")
    files = res.get("files") or {}
    if not Path(files.get("generations", "")).is_file():
        raise UserError(f"{results_path}: its generations file {files.get('generations')!r} is missing")
    items = {it["id"]: it for it in dom.load(res["data"]["path"]) if it["id"] in res["items"]}
    gens = [r for _, r in iter_jsonl(files["generations"]) if r["id"] in items]
    from tqdm import tqdm

    with AppendLog(results_path.parent / "judge.jsonl", KEY) as log:
        todo = [g for g in gens if KEY(g) not in log.done]
        for g in tqdm(todo, desc="judge", unit="sample", disable=not progress or not todo):
            item = items[g["id"]]
            png = dom.picture(item, g["completion"])
            rec = {"id": g["id"], "sample": g["sample"], "family": item.get("family", "")}
            if png is None:
                log.append({**rec, "score": None, "why": "no picture: the answer did not run"})
                continue
            text = ask(request_messages(dom.messages(item)[-1]["content"], png))
            score = parse_score(text)
            log.append({**rec, "score": score, "answer": text[:200],
                        **({} if score is not None else {"why": "the answer holds no number in 0..1"})})
        recs = [r for r in log.records if r["id"] in items]
    summary = summarise(recs, model, url)
    res["judge"] = summary
    atomic_write_json(results_path, res)
    return summary


def summarise(recs: list[dict], model: str, url: str) -> dict:
    def block(rs):
        pictured = [r for r in rs if not r.get("why", "").startswith("no picture")]
        scored = [r["score"] for r in pictured if r["score"] is not None]
        return {"samples": len(rs), "with_picture": len(pictured), "unreadable": len(pictured) - len(scored),
                "mean_with_picture": round(sum(scored) / len(scored), 4) if scored else None,
                "mean_all": round(sum(scored) / len(rs), 4) if rs else None}
    by_fam = defaultdict(list)
    for r in recs:
        by_fam[r["family"]].append(r)
    return {"model": model, "url": url, "file": "judge.jsonl", **block(recs),
            "families": {f: block(rs) for f, rs in sorted(by_fam.items())},
            "note": "a vision model's rating, beside the validator's levels; pass@k and gate E do not use it"}
