"""The Ollama Modelfile of an exported GGUF: FROM, a TEMPLATE equal to the model's chat template, SYSTEM
(the prompt the adapter was trained with), stop and context parameters.

How the TEMPLATE is made equivalent: deploy/templates.py recognises the chat template's family (ChatML/Qwen,
Llama 3, Mistral [INST], Llama 2/CodeLlama, Gemma, DeepSeek-Coder, GPT-OSS harmony) by rendering probe
conversations with the tokenizer's own Jinja template, writes the Go template of that family, and accepts it
only when its Python replay renders every probe exactly as the Jinja template does. A template of no known
family is refused with a UserError naming the closest family, never guessed. Tool calls get a Go branch only
where its replay renders the tool probes exactly too (deploy/tool_templates.py); otherwise the Modelfile says
why there is none. Not checked: Ollama itself and Go's execution of the text (neither is installed here).
"""
from __future__ import annotations

import json

from deploy import templates


def modelfile(gguf_name: str, tokenizer, system: str | None, stops, context: int) -> tuple[str, dict]:
    """(Modelfile text, {"family", "probes", "template_adds_bos", "stops"}: what was checked)."""
    m = templates.match(tokenizer)
    stops = list(dict.fromkeys([*m["stops"], *[s for s in stops if s]]))
    bos = ("the BOS token the chat template puts first is not in TEMPLATE: llama.cpp adds it (GGUF "
           "tokenizer.ggml.add_bos_token)" if m["template_adds_bos"] else "the chat template puts no BOS token first")
    lines = ["# Ollama: ollama create <name> -f Modelfile   (from this folder), then ollama run <name>",
             f"# TEMPLATE: the {m['family']} family, rendering {m['probes']} probe conversations exactly as the "
             f"tokenizer's chat template (deploy/templates.py); {bos}",
             "# tools: " + (f"a tool branch, rendering {m['tools']['probes']} tool probe conversations exactly as "
                            "the chat template" if m["tools"]["written"] else
                            f"no tool branch ({m['tools']['reason']}): Ollama refuses requests with tools"),
             f"FROM ./{gguf_name}", f'TEMPLATE """{m["go"]}"""']
    if system:
        lines.append(f'SYSTEM """{system}"""')
    lines += [f"PARAMETER stop {json.dumps(s)}" for s in stops]
    lines.append(f"PARAMETER num_ctx {int(context)}")
    info = {"family": m["family"], "probes": m["probes"], "template_adds_bos": m["template_adds_bos"], "stops": stops,
            "tools": m["tools"]}
    return "\n".join(lines) + "\n", info
