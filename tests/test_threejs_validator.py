"""The Three.js validator's levels on gold and anti-gold fixtures (tests/fixtures/threejs/): each broken
module fails at the level and with the status and named miss it should; hostile modules (endless loop,
huge allocation, network, navigation, dialog) end as scored failures; a missing tool is ToolMissing.
All fixtures go through ONE browser in one batch (warm), as check-refs does."""
from __future__ import annotations

import json

import pytest

import domains
from domains.base import ToolMissing
from domains.threejs import meets, static, toolchain
from threejs_helpers import FIX, fenced, fixture_code, item, needs_browser

# fixture -> (status, deepest level passed, words the detail must contain)
CASES = {
    "gold.js": ("ok", "meets_spec", ""),
    "syntax_error.js": ("syntax_error", "extracts", "scene.js:27: SyntaxError"),
    "cdn_import.js": ("wrong_answer", "parses", "is a URL"),
    "made_up_addon.js": ("wrong_answer", "parses", "did you mean three/addons/controls/OrbitControls.js?"),
    "runtime_error.js": ("runtime_error", "imports", "THREE.MeshStandardMaterail is not a constructor"),
    "never_renders.js": ("runtime_error", "imports", "never called"),
    "blank.js": ("wrong_answer", "runs", "the screenshot is blank"),
    "wrong_colour.js": ("wrong_answer", "renders", "coloured #ff0000 expected, 0 are"),
    "wrong_count.js": ("wrong_answer", "renders", "3 mesh(es) with BoxGeometry expected, 2 drawn"),
    "no_motion.js": ("wrong_answer", "renders", "expected to rotate"),
    "wrong_background.js": ("wrong_answer", "renders", "background #101828 expected, #eeeeee drawn"),
    "missing_light.js": ("wrong_answer", "renders", "no AmbientLight"),
    "endless_loop.js": ("timeout", "imports", "did not finish"),
    "huge_allocation.js": ("resource_limit", "imports", "crashed"),
    "network.js": ("runtime_error", "imports", "request blocked, only 127.0.0.1 is reachable: https://example.com"),
    "navigation.js": ("runtime_error", "imports", "example.com"),
    "dialog.js": ("runtime_error", "imports", "dialog"),
}


def test_every_fixture_has_a_case():
    assert set(CASES) == {"gold.js", *json.loads((FIX / "mutations.json").read_text())}


@pytest.fixture(scope="module")
def dom():
    return domains.get("threejs")


@pytest.fixture(scope="module")
def results(dom):
    """Every fixture through one browser, several pages at once (one warm), then validated."""
    comps = {name: fenced(fixture_code(name)) for name in CASES}
    dom.warm(list(comps.values()))
    return {name: dom.validate(item(), comp) for name, comp in comps.items()}


@needs_browser
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_fixture_fails_where_it_should(results, name):
    status, level, words = CASES[name]
    res = results[name]
    assert (res.status, res.level) == (status, level), res.detail
    assert words in res.detail
    assert res.passed == (name == "gold.js")


@needs_browser
def test_gold_keeps_its_screenshot_and_counts_frames(results):
    from domains.threejs import SHOTS
    from domains.threejs.page import completion_sha

    shot = SHOTS / f"{completion_sha(fenced(fixture_code('gold.js')))}.png"
    assert shot.is_file() and meets.blank_reason(meets.pixels(shot)) is None
    assert results["gold.js"].metrics["frames"] >= 2 and results["gold.js"].metrics["spec_score"] == 1.0


def test_extraction_without_a_fence_and_with_none(dom):
    assert static.extract("Sure!\nimport * as THREE from 'three';\nconst a = 1;") .startswith("import * as THREE")
    assert static.extract("```python\nprint(1)\n```\n```js\nlet x;\n```") == "let x;\n"
    res = dom.validate(item(), "no code at all, sorry") if toolchain.node_ok()[0] else None
    if res is not None:
        assert (res.status, res.level) == ("format_error", "")


def test_import_specifiers_are_read_from_all_forms():
    code = ("import * as THREE from 'three';\nimport { A } from \"three/addons/x.js\";\nimport 'side.js';\n"
            "export { B } from './b.js';\nconst m = await import('three/addons/y.js');\n"
            "const n = await import(name);\n// import 'commented.js';\n")
    assert static.specifiers(code) == ["three", "three/addons/x.js", "side.js", "./b.js", "three/addons/y.js",
                                       "<computed>"]


def test_spec_checks_name_each_miss():
    spec = json.loads((FIX / "spec.json").read_text())
    spec["fog"] = {"type": "FogExp2", "color": "#101828"}
    spec["camera"] = "OrthographicCamera"
    snap = {"objects": [], "background": None, "clear": "#000000", "fog": None,
            "camera": {"type": "PerspectiveCamera", "matrix": [0] * 16}}
    misses = meets.scene_misses(spec, snap, None)
    text = " | ".join(misses)
    for words in ("3 mesh(es) with BoxGeometry expected, 0 drawn", "no AmbientLight", "no GridHelper",
                  "background #101828 expected, #000000 drawn", "FogExp2 coloured #101828 expected",
                  "a OrthographicCamera expected", "only one frame was drawn"):
        assert words in text


def test_a_missing_tool_is_tool_missing(dom, monkeypatch):
    monkeypatch.setattr(toolchain, "all_checks", lambda: [("chromium", lambda: (False, "no chromium"), "hint")])
    monkeypatch.setattr(dom, "_tools_ok", False, raising=False)
    with pytest.raises(ToolMissing, match="no chromium"):
        dom.validate(item(), fenced(fixture_code("gold.js")))
    assert not any(tc.check()[0] for tc in dom.toolchains())
