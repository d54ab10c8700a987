"""The Three.js validator's levels on gold and anti-gold fixtures (tests/fixtures/threejs/): each broken
module fails at the level and with the status and named miss it should; hostile modules (endless loop,
huge allocation, network, navigation, dialog) end as scored failures; a missing tool is ToolMissing.
The package's own entry points (three/webgpu, three/tsl) run; the page has an example page's #info and
#container, and another element the module needs is `needs_page`. All fixtures go through ONE browser
in one batch (warm), as check-refs does, under short page limits (SHORT); the production limits run
the gold module once (test_production_limits_run_a_page)."""
from __future__ import annotations

import json

import pytest

import domains
from domains.base import ToolMissing
from domains.threejs import meets, page, static, toolchain
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
    "webgpu.js": ("ok", "meets_spec", ""),
    "page_elements.js": ("ok", "meets_spec", ""),
    "needs_element.js": ("needs_page", "imports", "needs page element #overlay (the validation page has #info, "
                         "#container): TypeError: Cannot read properties of null"),
}
PASSING = {name for name, (status, _, _) in CASES.items() if status == "ok"}
# an endless loop costs the page limit: short here (one stall would cost load + page + margin, twice);
# the margin covers the worker's own budgets after the page limit (screenshot 15 s, closing 5 s)
SHORT = page.Limits(page_seconds=10, load_seconds=30, stall_margin=25)


@pytest.fixture(scope="module", autouse=True)
def short_limits():
    saved, page.LIMITS = page.LIMITS, SHORT
    yield
    page.LIMITS = saved


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
    assert res.passed == (name in PASSING)


@needs_browser
def test_no_page_stalled_the_worker(results):
    """endless_loop.js and huge_allocation.js end within their page's budgets: the worker was never killed
    (a busy renderer once kept it waiting past every limit, so it was killed and the page retried)."""
    assert page.pool().restarts == 0


@needs_browser
def test_gold_keeps_its_screenshot_and_counts_frames(results):
    from domains.threejs import SHOTS
    from domains.threejs.page import completion_sha

    shot = SHOTS / f"{completion_sha(fenced(fixture_code('gold.js')))}.png"
    assert shot.is_file() and meets.blank_reason(meets.pixels(shot)) is None
    assert results["gold.js"].metrics["frames"] >= 2 and results["gold.js"].metrics["spec_score"] == 1.0


@needs_browser
def test_production_limits_run_a_page(dom, monkeypatch):
    assert page.Limits() == page.Limits(page_seconds=30.0, load_seconds=90.0, stall_margin=20.0)
    monkeypatch.setattr(page, "LIMITS", page.Limits())
    res = dom.validate(item(), fenced(fixture_code("gold.js").replace("0.6 )", "0.61 )")))   # not cached
    assert (res.status, res.level) == ("ok", "meets_spec"), res.detail
    assert page.pool().stall_margin == 20.0


def test_the_package_entry_points_are_accepted_and_nothing_else():
    code = ("import * as THREE from 'three/webgpu';\nimport { color } from 'three/tsl';\n"
            "import { OrbitControls } from 'three/addons';\nimport { X } from 'three/src/math/Vector3.js';\n")
    assert static.import_problems(code) == [
        "'three/src/math/Vector3.js' is not an entry point of three (three, three/addons, three/webgpu, three/tsl) "
        "or `three/addons/...`"]
    assert '"three/webgpu": "/three/build/three.webgpu.js"' in page.import_map()
    assert "webgpu=1" in page.index_html(code) and "webgpu=1" not in page.index_html(fixture_code("gold.js"))
    assert '<div id="info"></div><div id="container"></div>' in page.index_html(code)


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
    assert not any(tc.check()[0] for tc in dom.toolchains() if tc.required)
