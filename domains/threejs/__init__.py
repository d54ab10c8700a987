"""The Three.js domain: a description of a 3D scene -> a runnable three.js ES module, judged by running
it in a real headless Chromium (Debian's `chromium`, SwiftShader WebGL, the pinned npm `three`).

Families: `scene` (description -> module), `edit` (module + change request -> module), `fix` (module +
the browser's console error -> module). Every item carries the `spec` of the scene its answer must draw.
An edit or fix answer whose module equals the input (domains/edit.py's no-op rule) is `wrong_answer`,
"the answer leaves the input unchanged", before the browser runs.
Validator levels (validate.py): extracts -> parses (node --check) -> imports (three, three/addons/...
of the pinned package) -> runs (headless Chromium, frames for a fixed time, no uncaught error, no
dialog, nothing off its served origin: docs/containment.md) -> renders (screenshot not blank) -> meets_spec (meets.py: on the scene
passed to renderer.render, and pixel checks). Screenshots land in results/threejs/screenshots/<completion
sha>.png. What it does not check: layout, sizes, looks (the optional vision judge rates those apart).

Item schema (data/threejs/README.md): family, instruction, input, output, spec; optional id, kind, source,
license. A missing browser, node or npm package raises ToolMissing, never a pass.
"""
from __future__ import annotations

import os
from pathlib import Path

from domains.base import Domain, Result, Toolchain
from domains.loading import check_fields, derive_id

FAMILIES = ("scene", "edit", "fix")
_REQUIRED = {"family": str, "instruction": str, "input": str, "output": str, "spec": dict}
_OPTIONAL = {"id": str, "kind": str, "source": str, "license": str, "style": str}
SHOTS = Path(os.environ.get("WB_THREEJS_SHOTS", "results/threejs/screenshots"))


def check_item(path, lineno, obj: dict) -> dict:
    from domains.threejs.spec import check_spec

    check_fields(path, lineno, obj, _REQUIRED, _OPTIONAL, FAMILIES, nonempty=("instruction",))
    check_spec(obj["spec"], path, lineno)
    item = dict(obj)
    item["id"] = item.get("id") or derive_id(item)
    return item


class ThreejsDomain(Domain):
    name = "threejs"
    version = "threejs-v2"   # v2: edit/fix requests in other words follow the code without a header (prompt.py)
    families = FAMILIES
    edit_families = ("edit", "fix")
    levels = ("extracts", "parses", "imports", "runs", "renders", "meets_spec")
    default_train = "data/threejs/train.jsonl"
    default_eval = "data/threejs/eval.jsonl"

    def parse_item(self, path, lineno: int, obj) -> dict:
        return check_item(path, lineno, obj)

    def build(self, out_dir: Path) -> dict:
        from domains.threejs.build import build

        return build(Path(out_dir))

    def prepare(self, path, out_dir: Path) -> dict:
        """The seed's layouts (a folder of <name>.md + <name>_module.js, or training_data.json) -> JSONL."""
        from domains.threejs.seeds import prepare

        return prepare(Path(path), Path(out_dir))

    def data_notes(self, items: list[dict]) -> dict:
        return {"kinds": len({it.get("kind", "") for it in items} - {""})}

    def messages(self, item: dict) -> list[dict]:
        from domains.threejs import prompt

        return [{"role": "system", "content": prompt.system_prompt(item["family"])},
                {"role": "user", "content": prompt.user_message(item["family"], item["instruction"], item["input"])}]

    def reference(self, item: dict) -> str:
        return f"```js\n{item['output'].rstrip()}\n```"

    def validate(self, item: dict, completion: str) -> Result:
        from domains.edit import no_change, unchanged
        from domains.threejs import static, validate as v

        self._require_tools()
        if item["family"] in self.edit_families:   # an edit or fix that returns the module as given
            code = static.extract(completion or "")
            if code is not None and unchanged(item["input"], code):
                return no_change({lv: lv == "extracts" for lv in v.LEVELS})
        return v.validate(item["spec"], completion, SHOTS)

    single_turn = True

    def request_facts(self, messages: list[dict], tools=None) -> list:
        from domains.threejs.request import facts, request_spec
        from domains.verdict import last_user

        return [f for f, _ in facts(request_spec(last_user(messages)))]

    def item_request(self, item: dict) -> tuple[list[dict], object, list]:
        """The request as the model sees it; its stated facts are the spec's (the builder states every
        one in a `scene` description, describe.py), defaults left out (request.facts)."""
        from domains.threejs.request import facts

        text = item["instruction"] + ("\n\n" + item["input"] if item["input"] else "")
        return [{"role": "user", "content": text}], None, [f for f, _ in facts(item["spec"])]

    def input_result(self, item: dict) -> Result | None:
        """An edit or fix item's input module run in the browser as it is (no no-op rule)."""
        from domains.threejs import validate as v

        if item.get("family") not in self.edit_families:
            return None
        self._require_tools()
        return v.validate(item["spec"], self.input_answer(item), SHOTS)

    def validate_open(self, messages: list[dict], completion: str, tools=None) -> Result:
        """A free prompt: every level up to `renders`, then each fact the request states (request.py)
        against the drawn scene, one fact at a time; meets_spec only when facts were read and all met."""
        from domains.threejs import page, validate as v
        from domains.threejs.request import facts, request_spec
        from domains.verdict import last_user, with_facts

        self._require_tools()
        pairs = facts(request_spec(last_user(messages)))
        code, fail, levels = v.static_checks(completion)
        if fail is not None:
            return with_facts(fail, "meets_spec", [f for f, _ in pairs], None)
        out = page.render_many([code], SHOTS, keys=[page.completion_sha(completion)])[0]
        res = v.judge({}, out, dict(levels))
        missed = None
        if res.levels.get("renders"):   # judge() is pure given the page outcome: one fact-spec each
            missed = [f for f, one in pairs if not v.judge(one, out, dict(levels)).passed]
        return with_facts(res, "meets_spec", [f for f, _ in pairs], missed)

    def picture(self, item: dict, completion: str):
        from domains.threejs.page import completion_sha

        shot = SHOTS / f"{completion_sha(completion)}.png"
        return shot if shot.is_file() else None

    def warm(self, completions: list[str]) -> int:
        """Run many answers at once in the shared browser (check-refs); validate uses the outcomes."""
        from domains.threejs import validate as v

        self._require_tools()
        return v.warm(completions, SHOTS)

    def toolchains(self) -> list[Toolchain]:
        from domains.browser import NETNS_HINT, containment_check
        from domains.threejs import toolchain

        return [Toolchain(name, check, hint) for name, check, hint in toolchain.all_checks()] + [
            Toolchain("browser containment", containment_check, NETNS_HINT, required=False)]
