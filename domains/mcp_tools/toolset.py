"""Tool definitions: read them in the two standard formats, check their schemas, render them.

Accepted, as they are:
* an OpenAI `tools` list: `[{"type": "function", "function": {"name", "description", "parameters"}}]`
  (also wrapped as `{"tools": [...]}`);
* an MCP `tools/list` result: `{"tools": [{"name", "description", "inputSchema"}]}` (or the bare list).

Every tool becomes `{"name", "description", "parameters"}` (parameters: a JSON Schema object). A schema
that is not valid JSON Schema (Draft 2020-12 meta-schema), or whose top level is not an object schema,
raises DataError naming the file and the tool.

Tool names. MCP allows dots in names (`yaze_debugger.read_memory`); the OpenAI API's function-name rule
(`^[a-zA-Z0-9_-]{1,64}$`) and Python-function-based paths (transformers' `get_json_schema`) do not.
SmolLM2's chat template ignores `tools` entirely, and Hermes/Qwen-style templates dump the tool JSON
verbatim, so neither constrains the name. Convention: the dotted name is THE name, everywhere the model
sees it (system prompt, `tools=`) and in gold answers; `openai_name()` gives the API-safe alias (`.` ->
`__`) for users who must send tools to an API that rejects dots, and the scorer maps that alias, and
BFCL's `.` -> `_` alias when unambiguous, back to the dotted name.

Not checked here: whether a tool does what its description says (there is no server to call).
"""
from __future__ import annotations

import json
import posixpath
import re

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from core.errors import DataError
from core.files import read_json

FORMATS = FormatChecker()
_ADDR = re.compile(r"^(?:0x|\$)?([0-9a-f]{1,2}):?([0-9a-f]{1,4})$|^(?:0x|\$)?([0-9a-f]{1,6})$", re.I)


def parse_address(value):
    """An SNES address as int, from an int or a hex string (0x7E0010, $7E0010, 7E:0010, 7E0010)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 0xFFFFFF else None
    if not isinstance(value, str):
        return None
    m = _ADDR.match(value.strip())
    if not m:
        return None
    if m.group(3) is not None:
        return int(m.group(3), 16)
    if ":" not in value:  # "7E0010" also matches the bank:offset form; the single-number reading wins
        return int(m.group(1) + m.group(2), 16)
    return int(m.group(1), 16) << 16 | int(m.group(2), 16)


@FORMATS.checks("snes-address")
def _is_address(value) -> bool:
    return not isinstance(value, (str, int)) or parse_address(value) is not None


@FORMATS.checks("hex-bytes")
def _is_hex_bytes(value) -> bool:
    if not isinstance(value, str):
        return True
    compact = re.sub(r"\s+", "", value)
    return bool(compact) and len(compact) % 2 == 0 and re.fullmatch(r"[0-9A-Fa-f]+", compact) is not None


@FORMATS.checks("path")
def _is_path(value) -> bool:
    return not isinstance(value, str) or (value.strip() != "" and "\x00" not in value)


def normalise_path(value: str) -> str:
    p = posixpath.normpath(value.strip().replace("\\", "/"))
    return p[2:] if p.startswith("./") else p


def _one_tool(raw, source: str, index: int) -> dict:
    if not isinstance(raw, dict):
        raise DataError(source, None, f"tool #{index}: expected an object, got {type(raw).__name__}")
    if raw.get("type") == "function" or "function" in raw:
        fn = raw.get("function")
        if not isinstance(fn, dict):
            raise DataError(source, None, f"tool #{index}: OpenAI tool without a 'function' object")
        name, desc, params = fn.get("name"), fn.get("description", ""), fn.get("parameters")
    elif "inputSchema" in raw or "input_schema" in raw:
        name, desc = raw.get("name"), raw.get("description", "")
        params = raw.get("inputSchema", raw.get("input_schema"))
    else:
        raise DataError(source, None, f"tool #{index}: expected an OpenAI tool ({{'type': 'function', "
                                      f"'function': ...}}) or an MCP tool ({{'name', 'inputSchema'}})")
    if not isinstance(name, str) or not name.strip():
        raise DataError(source, None, f"tool #{index}: missing 'name'")
    if params is None:
        params = {"type": "object", "properties": {}}
    check_schema(name, params, source)
    return {"name": name, "description": desc if isinstance(desc, str) else "", "parameters": params}


def check_schema(name: str, params, source: str) -> None:
    if not isinstance(params, dict):
        raise DataError(source, None, f"tool {name!r}: parameters must be a JSON Schema object")
    try:
        Draft202012Validator.check_schema(params)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(top)"
        raise DataError(source, None, f"tool {name!r}: parameters are not valid JSON Schema at {where}: "
                                      f"{exc.message}") from exc
    if params.get("type", "object") != "object":
        raise DataError(source, None, f"tool {name!r}: parameters must have \"type\": \"object\", "
                                      f"got {params.get('type')!r}")


def parse_tools(obj, source: str) -> list[dict]:
    """Tools from an already-parsed JSON value (a file's content or an item's `tools` field)."""
    if isinstance(obj, dict) and isinstance(obj.get("tools"), list):
        obj = obj["tools"]
    elif isinstance(obj, dict) and isinstance(obj.get("result"), dict):  # a raw JSON-RPC tools/list reply
        return parse_tools(obj["result"], source)
    if not isinstance(obj, list) or not obj:
        raise DataError(source, None, "expected a non-empty tools list (OpenAI `tools` or MCP tools/list)")
    tools = [_one_tool(raw, source, i) for i, raw in enumerate(obj)]
    seen = set()
    for t in tools:
        if t["name"] in seen:
            raise DataError(source, None, f"tool {t['name']!r} is defined twice")
        seen.add(t["name"])
    return tools


def load_tools(path) -> list[dict]:
    return parse_tools(read_json(path), str(path))


def openai_name(name: str) -> str:
    return name.replace(".", "__")


def to_openai(tools: list[dict], safe_names: bool = False) -> list[dict]:
    return [{"type": "function", "function": {
        "name": openai_name(t["name"]) if safe_names else t["name"],
        "description": t["description"], "parameters": t["parameters"]}} for t in tools]


def to_mcp(tools: list[dict]) -> dict:
    return {"tools": [{"name": t["name"], "description": t["description"], "inputSchema": t["parameters"]}
                      for t in tools]}


def aliases(tools: list[dict]) -> dict:
    """name as the model may write it -> dotted name. Ambiguous `_` aliases are left out."""
    out, clash = {}, set()
    for t in tools:
        for alias in (openai_name(t["name"]), t["name"].replace(".", "_")):
            if alias == t["name"]:
                continue
            if alias in out and out[alias] != t["name"]:
                clash.add(alias)
            out[alias] = t["name"]
    names = {t["name"] for t in tools}
    return {a: n for a, n in out.items() if a not in clash and a not in names}


_KEEP = ("type", "enum", "format", "default", "minimum", "maximum", "items", "properties", "required")


def _compact(schema):
    if not isinstance(schema, dict):
        return schema
    out = {k: schema[k] for k in _KEEP if k in schema}
    if "properties" in out:
        out["properties"] = {k: _compact(v) for k, v in out["properties"].items()}
    if "items" in out:
        out["items"] = _compact(out["items"])
    if "description" in schema and schema.get("type") not in ("object",):
        out["description"] = schema["description"]
    return out


def prompt_block(tools: list[dict]) -> str:
    """One compact JSON line per tool, for the system prompt (SmolLM2's template ignores `tools=`)."""
    lines = []
    for t in tools:
        params = _compact(t["parameters"])
        params.pop("type", None)
        if not params.get("required"):
            params.pop("required", None)
        lines.append(json.dumps({"name": t["name"], "description": t["description"], "parameters": params},
                                separators=(",", ":"), ensure_ascii=False))
    return "\n".join(lines)
