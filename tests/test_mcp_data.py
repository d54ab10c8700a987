"""mcp_tools data: tool files in OpenAI and MCP formats, user items, bad input with file:line, the
deterministic leak-free builder, prompts/chat template, and specialists."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import DataError, UserError
from domains import get
from domains.mcp_tools import McpToolsDomain
from domains.mcp_tools.builder import audit
from domains.mcp_tools.specialists import SPECIALISTS, specialist
from domains.mcp_tools.toolset import aliases, load_tools, to_mcp, to_openai

FIX = Path(__file__).parent / "fixtures" / "mcp"
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "mcp_tools"


def test_openai_and_mcp_tool_files_load_the_same_tools():
    a, b = load_tools(FIX / "openai_tools.json"), load_tools(FIX / "mcp_tools_list.json")
    assert a == b and [t["name"] for t in a] == ["emu.read", "emu.run", "fs.save"]
    assert load_tools(DATA / "tools.json") == McpToolsDomain(tools=DATA / "tools.json").toolset()


def test_round_trip_through_both_formats(tmp_path):
    tools = load_tools(DATA / "tools.json")
    (tmp_path / "mcp.json").write_text(json.dumps(to_mcp(tools)))
    (tmp_path / "oa.json").write_text(json.dumps(to_openai(tools)))
    assert load_tools(tmp_path / "mcp.json") == tools == load_tools(tmp_path / "oa.json")


def test_invalid_json_schema_names_file_and_tool():
    with pytest.raises(DataError) as exc:
        load_tools(FIX / "bad_schema_tools.json")
    msg = str(exc.value)
    assert "bad_schema_tools.json" in msg and "'emu.broken'" in msg and "not valid JSON Schema" in msg


def test_dotted_names_have_unambiguous_aliases():
    tools = load_tools(DATA / "tools.json")
    al = aliases(tools)
    assert al["yaze_debugger__read_memory"] == "yaze_debugger.read_memory"
    assert al["mesen2_run"] == "mesen2.run"
    safe = [t["function"]["name"] for t in to_openai(tools, safe_names=True)]
    import re
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", n) for n in safe)


def test_user_items_load_with_env_tools(monkeypatch):
    monkeypatch.setenv("TOOLS", str(FIX / "mcp_tools_list.json"))
    dom = McpToolsDomain()
    items = dom.load(FIX / "items.jsonl")
    assert [(i["id"], i["family"]) for i in items] == [("A", "single"), ("B", "multi"), ("C", "none")]
    assert items[1]["calls"][1] == {"name": "fs.save", "arguments": {"path": "out/a.png"}}
    assert [t["name"] for t in items[2]["tools"]] == ["emu.run"]  # an item's own tools win
    assert dom.reference(items[2]) == "I can only operate the emulator."
    assert dom.messages(items[1])[0]["content"].startswith("You drive an emulator.")


@pytest.mark.parametrize("line, expected", [
    ('{"messages": [{"role": "user", "content": "x"}]}', "gold assistant message"),
    ('{"messages": "hi"}', "expected 'messages'"),
    ('{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": '
     '[{"function": {"name": "emu.run", "arguments": "{oops"}}]}]}', "arguments are not a JSON string"),
    ('{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "ok"}], '
     '"metadata": {"tools": "emu.run"}}', "metadata.tools must be a list"),
])
def test_bad_items_raise_data_error_with_file_and_line(tmp_path, line, expected):
    good = (FIX / "items.jsonl").read_text().splitlines()[0]
    path = tmp_path / "user.jsonl"
    path.write_text(good + "\n" + line + "\n")
    with pytest.raises(DataError) as exc:
        McpToolsDomain(tools=FIX / "openai_tools.json").load(path)
    assert f"{path}:2:" in str(exc.value) and expected in str(exc.value)


def test_builder_is_deterministic_and_matches_the_shipped_files(tmp_path):
    summary = McpToolsDomain().build(tmp_path)
    for name in ("tools.json", "train.jsonl", "eval.jsonl", "README.md"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    assert summary["train_items"] == 600 and summary["eval_items"] == 95
    assert summary["eval_in_train"] == summary["eval_requests_in_train"] == 0
    assert f"`train.jsonl`: {summary['train_items']} items" in (DATA / "README.md").read_text()


def test_audit_catches_copied_items():
    dom = McpToolsDomain(tools=DATA / "tools.json")
    train, ev = dom.load(DATA / "train.jsonl"), dom.load(DATA / "eval.jsonl")
    assert audit(train, ev, dom)["eval_in_train"] == 0
    leaked = audit(train + ev[:5] + train[:3], ev, dom)
    assert leaked["eval_in_train"] == 5 and leaked["train_duplicates"] == 3
    assert leaked["eval_requests_in_train"] == 5 and leaked["eval_call_lists_in_train"] == 5
    # the dedup text sees through address spelling: same request, gold written as an integer
    twin = json.loads(json.dumps(ev[0]))
    for c in twin["calls"]:
        if "address" in c["arguments"]:
            c["arguments"]["address"] = int(c["arguments"]["address"], 16)
    assert dom.dedup_text(twin) == dom.dedup_text(ev[0])


def test_no_eval_address_or_path_call_appears_in_train():
    from domains.mcp_tools.builder import _high_cardinality, _norm_call

    dom = McpToolsDomain(tools=DATA / "tools.json")
    train, ev = dom.load(DATA / "train.jsonl"), dom.load(DATA / "eval.jsonl")
    hc = lambda items: {_norm_call(c) for i in items for c in i["calls"] if _high_cardinality(c)}  # noqa: E731
    assert hc(ev) and not hc(ev) & hc(train)
    assert {c["name"] for i in ev for c in i["calls"]} == {t["name"] for t in dom.toolset()}


def test_prompt_carries_the_tools_because_smollm2_ignores_them(tokenizer):
    dom = McpToolsDomain(tools=DATA / "tools.json")
    item = dom.load(DATA / "eval.jsonl")[30]
    msgs = dom.messages(item)
    with_tools = tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False,
                                               **dom.chat_kwargs(item))
    without = tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    assert with_tools == without  # the fact that decided the design: the template drops `tools`
    assert all(t["name"] in with_tools for t in item["tools"]) and "<tool_call>" in with_tools
    assert len(tokenizer(with_tools + dom.reference(item))["input_ids"]) < 1024


def test_registry_domain_and_specialists():
    dom = get("mcp_tools")
    assert dom.name == "mcp_tools" and set(dom.families) >= {"single", "multi", "sequence"}
    assert specialist("farore-debug")["name"] == "debug"
    with pytest.raises(UserError, match="did you mean 'debug'"):
        specialist("debgu")
    d = McpToolsDomain(tools=DATA / "tools.json")
    train = d.load(DATA / "train.jsonl")
    for name, cfg in SPECIALISTS.items():
        assert d.configure(specialist=name) is d
        picked = d.select_training(train)
        focus = [i for i in picked if {c["name"] for c in i["calls"]} & set(cfg["focus_tools"])]
        assert 0 < len(picked) < len(train) and len(focus) / len(picked) > 0.7
        item = train[0]
        assert (ROOT / cfg["prompt"]).read_text().split("\n")[0] in d.messages(item)[0]["content"]
        assert d.breakdown([item], [d.validate(item, d.reference(item))])["focus"]["tools"] == \
            sorted(cfg["focus_tools"])
    with pytest.raises(DataError, match="does not define"):
        McpToolsDomain(tools=FIX / "openai_tools.json").configure(specialist="editor")


def test_every_item_records_its_style_and_no_held_out_style_is_in_training():
    from domains.mcp_tools.phrasing import HELD_OUT_STYLES, STYLES

    dom = get("mcp_tools")
    train, ev = dom.load(ROOT / dom.default_train), dom.load(ROOT / dom.default_eval)
    assert all(it.get("style") in STYLES for it in train) and all(it.get("style") in STYLES + ("forum",) for it in ev)
    # the plain-request slice (forum.py): eval only, after the generated items, every family
    forum = [it for it in ev if it["style"] == "forum"]
    assert ev[-len(forum):] == forum and {it["family"] for it in forum} == {"single", "multi", "sequence"}
    assert HELD_OUT_STYLES and not {it["style"] for it in train} & set(HELD_OUT_STYLES)
    held = [it for it in ev if it["style"] in HELD_OUT_STYLES]
    assert len(held) >= 20, "the held-out slice needs enough items for an interval"
