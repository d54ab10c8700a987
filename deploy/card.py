"""The model card (README.md) of an export: what the model is, how it was made, what was checked."""
from __future__ import annotations


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def model_card(info: dict) -> str:
    base = info["base_model"].get("name") or info["base_model"].get("spec")
    ad = info.get("adapter") or {}
    train = (ad.get("workbench") or {}).get("train_data") or {}
    verdict = info.get("gate_e")
    lines = ["---", f"base_model: {base}", "library_name: transformers", "tags: [lora, merged, gguf, workbench]",
             "---", "", f"# {info['name']}", "",
             f"The {info['domain']['name']} adapter merged into {base}, exported by `make export` of the "
             "gated fine-tuning workbench.", "", "## Made from", "",
             f"- base model: `{base}`",
             f"- adapter: `{ad.get('path', 'none')}` at scale {info.get('scale')}",
             f"- domain: {info['domain']['name']} (version {info['domain'].get('version')})",
             f"- training data: `{train.get('path', 'unknown')}`, {train.get('items', '?')} items, sha256 "
             f"`{train.get('sha256', 'unknown')}`"]
    if verdict:
        lines.append(f"- gate E: **{verdict['decision']}** on {verdict.get('metric')}: "
                     f"{verdict.get('gain_pp')} pp over the baseline (95% CI {verdict.get('ci95_pp')}), "
                     f"best {verdict.get('best', {}).get('checkpoint')} x {verdict.get('best', {}).get('scale')} "
                     f"(`{verdict['path']}`)")
    else:
        lines.append("- gate E: no decision.json found for this run (the export does not say PROCEED)")
    lines += ["", "## Files", "", "| file | size | what |", "| --- | --- | --- |"]
    for f in info["files"]:
        lines.append(f"| `{f['file']}` | {_mb(f['bytes'])} | {f['what']} |")
    chk = info["checks"]
    lines += ["", "## Checks", "",
              f"- merged vs base + adapter logits on {chk['logits']['prompts']} prompts: max |diff| "
              f"{chk['logits']['max_abs_diff']:.2e} (tolerance {chk['logits']['tolerance']:.0e}): "
              + ("passed" if chk["logits"]["passed"] else "FAILED")]
    for name, g in chk.get("gguf", {}).items():
        verdict = {True: "passed", False: "FAILED", None: "reported"}[g.get("passed")]
        lines.append(f"- `{name}` greedy tokens ({g['loader']}, up to {g['max_new_tokens']}) equal to the merged "
                     f"model's on {g['identical']} of {g['prompts']} prompts, first divergence "
                     f"{g.get('first_divergence')} (criterion: {g.get('criterion')}): {verdict}")
    if chk.get("modelfile"):
        mf = chk["modelfile"]
        lines.append(f"- `Modelfile` TEMPLATE (FROM `{mf['from']}`): the {mf['family']} family, its replay renders "
                     f"{mf['probes']} probe conversations exactly as the tokenizer's chat template; tools: "
                     + (f"a tool branch, {mf['tools']['probes']} tool probes rendered exactly" if mf.get("tools", {}).get("written")
                        else f"none ({mf.get('tools', {}).get('reason', 'not checked')})"))
    lines += ["", "## Use", "",
              "- Ollama: `ollama create my-model -f Modelfile && ollama run my-model` in this folder.",
              "- LM Studio: copy a `.gguf` into its models folder (`~/.lmstudio/models/<you>/<name>/`), load it, "
              "and start its server (OpenAI-compatible, `http://localhost:1234/v1`).",
              "- transformers: `AutoModelForCausalLM.from_pretrained('<this folder>/merged')`.",
              "- the workbench: `make serve MODEL=<this folder>/merged DOMAIN=<domain>`.", ""]
    return "\n".join(lines)
