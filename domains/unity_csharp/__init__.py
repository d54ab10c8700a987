"""The Unity C# domain: behaviour IR (JSON) -> a compilable MonoBehaviour script, plus the two arrows
around it (a one-line description -> IR, a script with a real compiler error -> the fixed script).

Validator levels (validate.py), reported separately:
  ir_to_cs:             extracts -> parses (tree-sitter C#) -> compiles (Mono mcs against the shipped
                        stubs; newer-than-C#-7.2 syntax is `unsupported_syntax`, counted apart) ->
                        meets_ir (class, base, fields, trigger -> message, components; meets.py)
  cs_repair:            extracts -> applies (a unified diff of Script.cs applied to the broken script by
                        domains/patch.py, or the whole fixed script) -> parses -> compiles -> meets_ir
  nl_to_ir:             extracts -> parses (JSON) -> schema (ir_schema.json) -> meets_facts
What it does not check: behaviour at run time (no Unity here; nothing is run), that the actions in
words are carried out, APIs outside the stubs (reported as "not in the stubs?" where the error shows it).

Item schema (data/unity_csharp/README.md): family, instruction, input, output, ir (the IR object),
optional id, kind, source, license, style (the request's register), expect (the IR narrowed to what a
plain request states; validate checks it in place of ir). The IR is validated against the schema on load (DataError with
file:line). Missing `mcs` or grammar raises ToolMissing, never a pass.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import DataError
from domains.base import Domain, Result, Toolchain
from domains.loading import check_fields, derive_id

FAMILIES = ("ir_to_cs", "nl_to_ir", "cs_repair")
_REQUIRED = {"family": str, "instruction": str, "input": str, "output": str, "ir": dict}
_OPTIONAL = {"id": str, "kind": str, "source": str, "license": str, "style": str, "expect": dict}


def check_item(path, lineno, obj: dict) -> dict:
    """One item, schema-checked (fields, family, IR against ir_schema.json), with an id."""
    from domains.unity_csharp.ir import check_ir

    check_fields(path, lineno, obj, _REQUIRED, _OPTIONAL, FAMILIES, nonempty=("instruction", "output"))
    item = dict(obj)
    item["ir"] = check_ir(obj["ir"], path, lineno)   # the seed's object actions become strings here
    if "expect" in obj:
        check_expect(obj["expect"], path, lineno)
    item["id"] = item.get("id") or derive_id(item)
    return item


def check_expect(expect: dict, path, lineno) -> None:
    """`expect`: the IR narrowed to what a plain request states (phrasing.py's forum register): class_name,
    components, fields (each at least a name; type and default checked only when given), behaviors."""
    kinds = {"class_name": str, "components": list, "fields": list, "behaviors": list}
    for key, typ in kinds.items():
        if not isinstance(expect.get(key), typ):
            raise DataError(path, lineno, f"expect.{key} must be a {typ.__name__} (expect: {sorted(kinds)})")
    for i, f in enumerate(expect["fields"]):
        if not (isinstance(f, dict) and isinstance(f.get("name"), str)):
            raise DataError(path, lineno, f"expect.fields[{i}] must be an object with a name")
    for i, b in enumerate(expect["behaviors"]):
        if not (isinstance(b, dict) and isinstance(b.get("trigger"), str) and isinstance(b.get("name"), str)):
            raise DataError(path, lineno, f"expect.behaviors[{i}] must be an object with a name and a trigger")


class UnityCsharpDomain(Domain):
    name = "unity_csharp"
    version = "unity-csharp-v3"   # v2: cs_repair takes a unified diff too; v3: ir_to_cs requests in words, `expect`
    families = FAMILIES
    edit_families = ("cs_repair",)
    levels = ("extracts", "parses", "compiles", "meets_ir")
    default_train = "data/unity_csharp/train.jsonl"
    default_eval = "data/unity_csharp/eval.jsonl"

    def parse_item(self, path, lineno: int, obj) -> dict:
        return check_item(path, lineno, obj)

    def build(self, out_dir: Path) -> dict:
        from domains.unity_csharp.build import build

        return build(Path(out_dir))

    def prepare(self, path, out_dir: Path) -> dict:
        """The seed's formats (ShareGPT JSONL or the calibration pairs file) -> train/eval JSONL, 85/15,
        no class name or IR on both sides (seeds.py). Returns the counts written."""
        from core.files import atomic_write_jsonl
        from domains.unity_csharp import seeds

        train, eval_ = seeds.split(seeds.read_seed(path))
        out_dir = Path(out_dir)
        atomic_write_jsonl(out_dir / "train.jsonl", train)
        atomic_write_jsonl(out_dir / "eval.jsonl", eval_)
        return {"source": str(path), "train": len(train), "eval": len(eval_), "out": str(out_dir)}

    def data_notes(self, items: list[dict]) -> dict:
        kinds = sorted({it.get("kind", "") for it in items} - {""})
        return {"kinds": len(kinds), "classes": len({it["ir"]["class_name"] for it in items})}

    def messages(self, item: dict) -> list[dict]:
        from domains.unity_csharp import prompt

        return [{"role": "system", "content": prompt.system_prompt(item["family"])},
                {"role": "user", "content": prompt.user_message(item["family"], item["instruction"], item["input"])}]

    def reference(self, item: dict) -> str:
        tag = "json" if item["family"] == "nl_to_ir" else "csharp"
        return f"```{tag}\n{item['output'].rstrip()}\n```"

    def levels_for(self, item: dict) -> tuple:
        from domains.unity_csharp.validate import CS_LEVELS, IR_LEVELS, REPAIR_LEVELS

        return {"nl_to_ir": IR_LEVELS, "cs_repair": REPAIR_LEVELS}.get(item.get("family"), CS_LEVELS)

    def validate(self, item: dict, completion: str) -> Result:
        from domains.unity_csharp import validate as v

        self._require_tools()
        ir = item.get("expect") or item["ir"]   # expect: what a plain request states (phrasing.py)
        if item["family"] == "nl_to_ir":
            return v.validate_ir(item.get("facts") or v.stated_facts(ir), completion)
        if item["family"] == "cs_repair":
            return v.validate_repair(item["input"], ir, completion)
        return v.validate_cs(ir, completion)

    def input_result(self, item: dict) -> Result | None:
        from domains.unity_csharp import validate as v

        if item.get("family") not in self.edit_families:
            return None
        self._require_tools()
        return v.check_input(item["input"], item["ir"])

    def chat_messages(self, messages: list[dict], tools=None) -> list[dict]:
        """The conversation as given, behind the system prompt of the family its last user message asks
        for (open.py), unless the client sends its own."""
        from domains.unity_csharp import prompt
        from domains.unity_csharp.open import family_of
        from domains.verdict import last_user

        out = super().chat_messages(messages)
        if not any(m["role"] == "system" for m in out):
            out.insert(0, {"role": "system", "content": prompt.system_prompt(family_of(last_user(out)))})
        return out

    single_turn = True

    def request_facts(self, messages: list[dict], tools=None) -> list:
        from domains.unity_csharp.request import facts, request_facts_of
        from domains.verdict import last_user

        return facts(request_facts_of(last_user(messages)))

    def item_request(self, item: dict) -> tuple[list[dict], object, list]:
        """The user message the model sees; its stated facts are the IR's (validate.stated_facts): all of
        them when the message carries the IR or is a description (the builder states them); for a repair
        request, the names its script writes out and the trigger kinds whose Unity message (IEnumerator or
        Invoke for a timer) it declares."""
        import re

        from domains.unity_csharp.ir import TRIGGERS
        from domains.unity_csharp.request import facts
        from domains.unity_csharp.validate import stated_facts

        text = self.messages(item)[1]["content"]
        stated = stated_facts(item.get("expect") or item["ir"])
        if item["family"] == "cs_repair":
            word = lambda x: re.search(rf"\b{re.escape(x)}\b", text) is not None
            stated = {"class_name": stated["class_name"], "components": [c for c in stated["components"] if word(c)],
                      "fields": [f for f in stated["fields"] if word(f)],
                      "triggers": [k for k, _, msgs in TRIGGERS if k in stated["triggers"] and any(
                          word(m) for m in (("IEnumerator", "Invoke") if k == "timer" else msgs))]}
        return [{"role": "user", "content": text}], None, facts(stated)

    def validate_open(self, messages: list[dict], completion: str, tools=None) -> Result:
        """A free answer: checked against the IR in the prompt when there is one, else for a compiling
        MonoBehaviour (open.py says which family a message is taken for and what is checked)."""
        from domains.unity_csharp.open import validate_open

        self._require_tools()
        return validate_open(messages, completion)

    def warm(self, completions: list[str]) -> int:
        """Compile many answers ahead in batches (check-refs); validate uses the results."""
        from domains.unity_csharp import validate as v

        self._require_tools()
        return v.warm(completions)

    def toolchains(self) -> list[Toolchain]:
        from domains.unity_csharp import compiler, syntax

        return [Toolchain("mcs", compiler.available, compiler.INSTALL_HINT),
                Toolchain("tree-sitter-c-sharp", syntax.available, syntax.INSTALL_HINT)]
