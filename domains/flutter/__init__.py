"""The Flutter domain: a request for a screen or widget -> one complete Dart file.

Validator levels (validate.py): extracts -> parses (tree-sitter's Dart grammar: no ERROR or MISSING
node) -> flutter (on the syntax tree: imports bring every capitalised name into scope against the
shipped symbol table, StatelessWidget/StatefulWidget/State classes have build(BuildContext) and
createState) -> meets_spec (the item's classes, widgets, fields, callbacks and routes are present).
No Dart compiler or Flutter SDK can be installed here, so nothing is type-checked, built or run (see
data/flutter/README.md for what each level can and cannot prove). A missing grammar is ToolMissing.

Item schema (data/flutter/README.md): family (the widget kind), instruction, input, output (the Dart
file), spec {classes, widgets, fields, callbacks, routes}; optional id, kind, subject, source, license,
path, context_symbols (names declared in the project's other Dart files, for ingested projects),
dependencies (the pub packages the project declares, and its own package: a file importing another
package fails; without the field any import is allowed, unknown packages' names unverified). The
seed's data.json is ingested by `prepare` (seeds.py) into these items plus the SFT, chat and DPO sets.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import DataError
from domains.base import Domain, Result, Toolchain
from domains.loading import check_fields, derive_id

FAMILIES = ("stateless", "stateful", "form", "list", "navigation", "provider", "future", "theming", "project")
_REQUIRED = {"family": str, "instruction": str, "input": str, "output": str, "spec": dict}
_OPTIONAL = {"id": str, "kind": str, "subject": str, "source": str, "license": str, "path": str, "style": str,
             "context_symbols": list, "dataset": str, "dependencies": list}
SPEC_KEYS = ("classes", "widgets", "fields", "callbacks", "routes")


def check_item(path, lineno, obj: dict) -> dict:
    check_fields(path, lineno, obj, _REQUIRED, _OPTIONAL, FAMILIES, nonempty=("instruction", "output"))
    for key, value in obj["spec"].items():
        if key not in SPEC_KEYS:
            raise DataError(path, lineno, f"spec key {key!r} is not one of {list(SPEC_KEYS)}")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DataError(path, lineno, f"spec {key!r} must be a list of strings")
    if not all(isinstance(v, str) for v in obj.get("dependencies", [])):
        raise DataError(path, lineno, "field 'dependencies' must be a list of package names")
    item = dict(obj)
    item["id"] = item.get("id") or derive_id(item)
    return item


class FlutterDomain(Domain):
    name = "flutter"
    version = "flutter-v1"
    families = FAMILIES
    levels = ("extracts", "parses", "flutter", "meets_spec")
    default_train = "data/flutter/train.jsonl"
    default_eval = "data/flutter/eval.jsonl"

    def parse_item(self, path, lineno: int, obj) -> dict:
        return check_item(path, lineno, obj)

    def build(self, out_dir: Path) -> dict:
        from domains.flutter.build import build

        return build(Path(out_dir))

    def prepare(self, path, out_dir: Path) -> dict:
        """The seed's data.json -> items (one per Dart file) and the seed's SFT, chat and DPO sets."""
        from domains.flutter.seeds import prepare

        return prepare(Path(path), Path(out_dir))

    def data_notes(self, items: list[dict]) -> dict:
        return {"kinds": len({it["family"] for it in items}), "subjects": len({it.get("subject", "") for it in items})}

    def messages(self, item: dict) -> list[dict]:
        from domains.flutter import prompt

        return [{"role": "system", "content": prompt.SYSTEM},
                {"role": "user", "content": prompt.user_message(item["instruction"], item["input"])}]

    def reference(self, item: dict) -> str:
        return f"```dart\n{item['output'].rstrip()}\n```"

    def validate(self, item: dict, completion: str) -> Result:
        from domains.flutter import validate as v

        self._require_tools()
        return v.validate(item.get("spec") or {}, completion, item.get("context_symbols") or (),
                          item.get("dependencies"))

    single_turn = True

    def request_facts(self, messages: list[dict], tools=None) -> list:
        from domains.flutter.request import facts, request_spec
        from domains.verdict import last_user

        return [f for f, _ in facts(request_spec(last_user(messages)))]

    def item_request(self, item: dict) -> tuple[list[dict], object, list]:
        """The request as the model sees it; its stated facts are the spec's names it writes out."""
        from domains.flutter.request import facts, stated

        text = item["instruction"] + ("\n\n" + item["input"] if item["input"] else "")
        return [{"role": "user", "content": text}], None, [f for f, _ in facts(stated(item["spec"], text))]

    def validate_open(self, messages: list[dict], completion: str, tools=None) -> Result:
        """A free answer: extracts, parses, flutter, then each name the request states (request.py)
        against the file; meets_spec only when names were read and all are present."""
        from domains.flutter import dart, validate as v
        from domains.flutter.request import facts, request_spec
        from domains.verdict import last_user, with_facts

        self._require_tools()
        pairs = facts(request_spec(last_user(messages)))
        res = v.validate({}, completion)
        missed = None
        if res.levels.get("flutter"):
            found = dart.facts(dart.parse(v.extract(completion)))
            missed = [f for f, one in pairs if v.spec_missing(one, found)]
        return with_facts(res, "meets_spec", [f for f, _ in pairs], missed)

    def default_training_config(self) -> str:
        return "training/smollm2-135m_flutter_demo.yaml"   # the one Flutter training config shipped

    def toolchains(self) -> list[Toolchain]:
        from domains.flutter import dart

        return [Toolchain("tree-sitter-dart", dart.available, dart.INSTALL_HINT)]
