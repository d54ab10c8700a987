"""`make export`: merged safetensors (+ logits check), GGUF files (+ greedy check), Modelfile, model card.

Layout of the output folder (default exports/<domain>/<run or model>/):
    merged/            transformers folder: model.safetensors, config, tokenizer, chat template
    <name>-f16.gguf    llama.cpp's converter, --outtype f16
    <name>-q8_0.gguf   --outtype q8_0
    Modelfile          Ollama (FROM q4_k_m, else q8_0), its TEMPLATE checked against the chat template
    README.md          model card;  export.json: everything above as data, with timings and run info
A failed logits check stops the export (exit 2) before any GGUF is written; a GGUF check whose criterion
fails (deploy/gguf.py: f16 must generate the merged model's greedy tokens exactly) leaves every file
written and makes the command exit 2. `recheck` runs the GGUF checks again on an existing folder.
"""
from __future__ import annotations

import time
from pathlib import Path

from core.errors import UserError
from core.files import atomic_write_json, atomic_write_text, read_json
from core.meta import ROOT, run_info
from deploy import card, gguf, merge, ollama, quantize, templates


def find_decision(domain_name: str, adapter) -> dict | None:
    """Gate E's decision.json of the adapter's run (results/<domain>/<run>/), if there is one."""
    if not adapter:
        return None
    ad = Path(adapter).resolve()
    for run in (ad.parent.name, ad.name):
        p = ROOT / "results" / domain_name / run / "decision.json"
        if p.is_file():
            d = read_json(p)
            return {k: d.get(k) for k in ("decision", "metric", "gain_pp", "ci95_pp", "best")} | {"path": str(p)}
    return None


def export(domain, model_spec, adapter, scale, out_dir, gguf_types=("f16", "q8_0"), name=None,
           check_prompts: int = 3, log=print, llama: bool | None = None) -> dict:
    """Merge, check, convert, check. `llama`: True requires the llama.cpp check (UserError before any work
    when the bindings are missing), False skips it, None runs it when they are installed."""
    llama = _want_llama(llama)
    unknown = [t for t in gguf_types if t not in gguf.OUTTYPES and t not in quantize.K_QUANTS]
    if unknown:
        raise UserError(f"GGUF types {unknown}: expected some of {', '.join([*gguf.OUTTYPES, *quantize.K_QUANTS])}")
    if any(t in quantize.K_QUANTS for t in gguf_types) and quantize.tool() is None:
        raise UserError(quantize.MISSING)
    out = Path(out_dir)
    name = name or out.name
    t0 = time.perf_counter()
    log(f"[1/4] merging {adapter or '(no adapter)'} at scale {scale:g} into {model_spec} -> {out / 'merged'}")
    info = merge.save_merged(model_spec, adapter, scale, out / "merged")
    merged_s = time.perf_counter() - t0
    from transformers import AutoConfig, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(out / "merged")
    if gguf_types:  # a chat template no Modelfile family fits stops the export here, before any GGUF
        templates.match(tok)
    prompts = merge.chat_prompts(tok, domain, check_prompts)
    log(f"[2/4] logits: merged vs base + adapter on {len(prompts)} prompts")
    logits = merge.logits_check(model_spec, adapter, scale, out / "merged", prompts)
    log(f"      max |diff| {logits['max_abs_diff']:.2e}, tolerance {logits['tolerance']:.2e} (float32 rounding "
        f"{logits['rounding']:.2e} x {merge.ROUNDING_FACTOR:g}, logits up to {logits['max_abs_logit']:.1f}); "
        f"next-token argmax differs at {logits['argmax_flips']} of {logits['argmax_positions']} positions "
        f"(+{logits['argmax_near_ties']} near ties) " + ("✓" if logits["passed"] else "✗"))
    if not logits["passed"]:
        raise UserError(f"{out / 'merged'}: merged logits differ from base + adapter by "
                        f"{logits['max_abs_diff']:.3g} (tolerance {logits['tolerance']:.3g}, float32 rounding "
                        f"{logits['rounding']:.3g}) with the next-token argmax changed at "
                        f"{logits['argmax_flips']} positions: a wrong merge; not exporting further")
    files = [{"file": "merged/model.safetensors", "bytes": (out / "merged" / "model.safetensors").stat().st_size,
              "what": "merged weights (float32), with tokenizer and chat template beside them"}]
    ggufs = []
    for i, t in enumerate(gguf_types, 1):
        log(f"[3/4] GGUF {t} ({i}/{len(gguf_types)}) with llama.cpp's "
            + ("llama-quantize" if t in quantize.K_QUANTS else "convert_hf_to_gguf.py"))
        if t in quantize.K_QUANTS:  # llama-quantize (make llama-quantize), from the f16 file when there is one
            g = quantize.from_merged(out / "merged", out / f"{name}-{t}.gguf", t, out / f"{name}-f16.gguf")
            log(f"      {g['file']}: {g['bytes'] / 1e6:.1f} MB in {g['seconds']} s, "
                f"{g['fallback']['tensors']} tensors kept in a fallback type (rows not a multiple of 256)")
        else:
            g = gguf.convert(out / "merged", out / f"{name}-{t}.gguf", t)
            log(f"      {g['file']}: {g['bytes'] / 1e6:.1f} MB in {g['seconds']} s")
        files.append({"file": g["file"], "bytes": g["bytes"], "what": f"GGUF {t} (llama.cpp, Ollama, LM Studio)",
                      "seconds": g["seconds"]} | ({"fallback": g["fallback"]} if "fallback" in g else {}))
        ggufs.append(g["file"])
    checks = {"logits": logits, "gguf": check_ggufs(out, ggufs, prompts, llama, log)}
    context = int(AutoConfig.from_pretrained(out / "merged").max_position_embeddings)
    if ggufs:
        log("[4/4] Modelfile and model card")
        checks["modelfile"] = write_modelfile(out, domain, tok, ggufs, context)
        log(f"      Modelfile TEMPLATE: {checks['modelfile']['family']} family, "
            f"{checks['modelfile']['probes']} probe conversations rendered as the chat template ✓; tools: "
            + ("written, {} tool probes rendered as the chat template ✓".format(checks["modelfile"]["tools"]["probes"])
               if checks["modelfile"]["tools"]["written"] else f"none ({checks['modelfile']['tools']['reason']})"))
    result = {"format": "workbench.export/1", "name": name, "domain": domain.describe(), **info,
              "gate_e": find_decision(domain.name, adapter), "files": files, "checks": checks,
              "context_length": context, "seconds": {"merge": round(merged_s, 1),
                                                      "total": round(time.perf_counter() - t0, 1)},
              "run": run_info()}
    _write(out, result)
    return result


def write_modelfile(out, domain, tokenizer, ggufs, context: int) -> dict:
    """The Modelfile step: FROM the q4_k_m file when there is one (what Ollama users pull by default), else
    q8_0, else the first GGUF; the TEMPLATE checked against the chat template (UserError when no family fits)."""
    system = next((m["content"] for m in domain.chat_messages([{"role": "user", "content": "x"}])
                   if m["role"] == "system"), None)
    from_file = next((f for t in ("q4_k_m", "q8_0") for f in ggufs if f.endswith(f"-{t}.gguf")), ggufs[0])
    text, info = ollama.modelfile(from_file, tokenizer, system, domain.stop_strings, context)
    atomic_write_text(Path(out) / "Modelfile", text)
    return info | {"from": from_file}


def _want_llama(llama):
    if llama and not gguf.llama_available():
        raise UserError("the llama.cpp check needs the llama-cpp-python bindings: run `make llama-cpp` "
                        "(compiles the sdist pinned in env/llama_cpp.lock)")
    return gguf.llama_available() if llama is None else llama


def check_ggufs(out, ggufs, prompts, llama: bool, log=print) -> dict:
    """Greedy tokens of each GGUF (transformers, and llama.cpp when `llama`) vs the merged model's."""
    if not ggufs:
        return {}
    out, res = Path(out), {}
    want = gguf.merged_greedy(out / "merged", prompts)
    loaders = [("transformers", gguf.greedy_check)] + ([("llama.cpp", gguf.llama_check)] if llama else [])
    for f in ggufs:
        for loader, fn in loaders:
            chk = fn(out / "merged", out / f, prompts, want=want)
            verdict = {True: "✓", False: "✗", None: "(reported)"}[chk["passed"]]
            log(f"      {f} in {loader}: {chk['identical']}/{chk['prompts']} prompts token for token over "
                f"{chk['max_new_tokens']} tokens, first divergence {chk['first_divergence']} {verdict}"
                + "".join(f"; prompt {t['prompt']} flips at a near tie (step {t['step']}, margin {t['margin']:.4f})"
                          for t in chk.get("near_ties", [])))
            res[f if loader == "transformers" else f"{f} ({loader})"] = chk
    return res


def failed_checks(result) -> list[str]:
    """Names of the GGUF checks whose criterion failed (the export's exit status)."""
    return [k for k, c in result["checks"].get("gguf", {}).items() if c.get("passed") is False]


def recheck(domain, out_dir, check_prompts: int = 3, log=print, llama: bool | None = True) -> dict:
    """Check the GGUF files of an existing export folder again (e.g. after `make llama-cpp`), updating its
    export.json and model card."""
    llama = _want_llama(llama)
    out = Path(out_dir)
    if not (out / "export.json").is_file():
        raise UserError(f"{out}: no export.json (run the export first, without --check-only)")
    result = read_json(out / "export.json")
    ggufs = [f["file"] for f in result["files"] if f["file"].endswith(".gguf")]
    if not ggufs:
        raise UserError(f"{out / 'export.json'}: lists no GGUF file to check")
    from transformers import AutoTokenizer

    prompts = merge.chat_prompts(AutoTokenizer.from_pretrained(out / "merged"), domain, check_prompts)
    log(f"checking {', '.join(ggufs)} against {out / 'merged'} on {len(prompts)} prompts")
    result["checks"]["gguf"] = check_ggufs(out, ggufs, prompts, llama, log)
    result["rechecked"] = run_info()
    _write(out, result)
    return result


def _write(out: Path, result: dict):
    atomic_write_text(out / "README.md", card.model_card(result))
    atomic_write_json(out / "export.json", result)
