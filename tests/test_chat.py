"""make chat: the terminal chat, through a pseudo-terminal (the real script, a tiny model and adapter),
and the verdict lines on known answers (a scripted model)."""
from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time

import pytest

import domains
from serve.chat import Chat, verdict_line
from tests.serve_helpers import ScriptedLM

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
GOOD_MOD = '```lua\nminetest.register_node("glow:lamp", {description = "Lamp", light_source = 14})\n```'
BAD_MOD = '```lua\nminetest.register_node("glow:lamp", {description = "Lamp"\n```'


@pytest.fixture(scope="module")
def tiny_adapter(tiny_model_dir, tmp_path_factory):
    """A LoRA on the tiny model with non-zero B, so scale changes the answers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    peft = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                           init_lora_weights=False))
    out = tmp_path_factory.mktemp("adapter")
    peft.save_pretrained(out)
    return out


def _read_until(fd, marker: str, buf: list, timeout=180) -> str:
    deadline = time.monotonic() + timeout
    while marker not in "".join(buf):
        assert time.monotonic() < deadline, f"no {marker!r} in: {''.join(buf)[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                buf.append(os.read(fd, 4096).decode("utf-8", "replace"))
            except OSError:  # the child closed the terminal
                break
    return "".join(buf)


@pytest.mark.slow
def test_chat_in_a_pseudo_terminal(tiny_model_dir, tiny_adapter):
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "chat.py"), "--domain", "luanti",
                             "--model", str(tiny_model_dir), "--adapter", str(tiny_adapter),
                             "--max-tokens", "6"],
                            stdin=child, stdout=child, stderr=child, cwd=ROOT, close_fds=True)
    os.close(child)
    buf: list = []
    try:
        _read_until(main, "> ", buf)
        os.write(main, "A node that glows\n".encode())
        out = _read_until(main, "✗ format_error", buf)
        assert "[adapter, scale 1]" in out and "no Lua code found" in out
        buf.clear()
        os.write(main, b"/scale 0.5\n")
        assert "(adapter scale 0.5)" in _read_until(main, "scale 0.5)", buf)
        buf.clear()
        os.write(main, b"/base\n")
        out = _read_until(main, "✗", buf)
        assert "[base model]" in out
        buf.clear()
        os.write(main, b"/scale 9\n")
        assert "0..2" in _read_until(main, "0..2", buf)
        buf.clear()
        os.write(main, b"/reset\n")
        assert "cleared" in _read_until(main, "cleared", buf)
        os.write(main, b"/quit\n")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)


def _scripted_chat(tiny_model_dir, tokenizer, domain, scripts) -> tuple[Chat, io.StringIO]:
    out = io.StringIO()
    chat = Chat(domains.get(domain), str(tiny_model_dir), out=out)
    chat.base.model = chat.base.backend.model = ScriptedLM(tokenizer, scripts, len(tokenizer))
    return chat, out


def test_verdicts_on_known_answers(tiny_model_dir, tokenizer):
    chat, out = _scripted_chat(tiny_model_dir, tokenizer, "luanti", [GOOD_MOD, BAD_MOD])
    lines = iter(["make a lamp", "and again", "/base", "/scale 0.5", "/quit"])
    chat.loop(read=lambda _: next(lines))
    text = out.getvalue()
    assert "✓ runs; no stated fact could be read from the request" in text    # "make a lamp" states none
    assert "✗ syntax_error" in text and "init.lua" in text       # the validator's Lua message
    assert "no adapter loaded" in text and text.count("[base model]") == 3
    assert [m["role"] for m in chat.history] == ["user", "assistant", "user", "assistant"]


def test_single_turn_by_default_and_the_issue_prompts(tiny_model_dir, tokenizer):
    glow = '```lua\nminetest.register_node("mymod:glowstone", {description = "Glowstone"})\n```'
    chat, out = _scripted_chat(tiny_model_dir, tokenizer, "luanti", [glow, glow, glow])
    seen = []
    validate = chat.domain.validate_open
    chat.domain.validate_open = lambda msgs, text, tools=None: seen.append(len(msgs)) or validate(msgs, text)
    try:
        lines = iter(["Register a node mymod:glowstone that emits light level 14, with description 'Glowstone'",
                      "A node mymod:lamp with light_source 14", "/multi", "again", "/quit"])
        chat.loop(read=lambda _: next(lines))
    finally:
        del chat.domain.validate_open
    text = out.getvalue()
    assert seen == [1, 1, 5]              # each prompt alone until /multi, then the whole conversation
    assert "✓ runs; ✗ 3 of 4 stated facts: light_source missing" in text
    assert "node mymod:lamp, light_source missing" in text and "earlier turns" in text


def test_mcp_verdicts_check_the_calls_against_the_schemas(tiny_model_dir, tokenizer):
    good = '<tool_call>{"name": "mesen2.run", "arguments": {"frames": 60}}</tool_call>'
    domain = domains.get("mcp_tools")
    assert verdict_line(domain.validate_open([], good)).startswith("✓ schema_valid")
    bad = verdict_line(domain.validate_open([], '<tool_call>{"name": "mesen2.run", "arguments": '
                                                 '{"frames": "many"}}</tool_call>'))
    assert bad.startswith("✗ wrong_answer wrong_type")
    assert verdict_line(domain.validate_open([], '<tool_call>{"name": "nope", "arguments": {}}</tool_call>')) \
        .startswith("✗ wrong_answer unknown_tool")
