"""make serve: the OpenAI-compatible server, driven by the official `openai` client against a live server
on 127.0.0.1 (tiny random Llama; a scripted model where the answer must be known)."""
from __future__ import annotations

import json
import re
import threading
import time

import openai
import pytest
from openai import OpenAI

import domains
from serve.api import create_app
from serve.engine import Engine, Request, TextStream
from serve.process import ServeProcess
from tests.serve_helpers import LiveServer, scripted_engine

TOOLS = [{"type": "function", "function": {"name": "run", "description": "run frames", "parameters": {
    "type": "object", "properties": {"frames": {"type": "integer"}}, "required": ["frames"]}}}]
MSG = [{"role": "user", "content": "A node that glows"}]


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return Engine(domains.get("luanti"), str(tiny_model_dir), max_waiting=2, default_max_tokens=8)


@pytest.fixture(scope="module")
def client(engine):
    with LiveServer(create_app(engine, "luanti")) as url:
        yield OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=120)


def test_models_and_a_completion_with_n_and_usage(client):
    assert [m.id for m in client.models.list().data] == ["luanti"]
    r = client.chat.completions.create(model="luanti", messages=MSG, n=3, temperature=0.9, top_p=0.8,
                                       max_tokens=5, seed=7)
    assert [c.index for c in r.choices] == [0, 1, 2]
    assert all(c.message.role == "assistant" and c.finish_reason in ("stop", "length") for c in r.choices)
    assert r.usage.prompt_tokens > 10 and 3 <= r.usage.completion_tokens <= 15
    again = client.chat.completions.create(model="luanti", messages=MSG, n=3, temperature=0.9, top_p=0.8,
                                           max_tokens=5, seed=7)
    assert [c.message.content for c in again.choices] == [c.message.content for c in r.choices]


def test_greedy_stream_equals_the_whole_answer(client):
    whole = client.chat.completions.create(model="luanti", messages=MSG, temperature=0, max_tokens=12)
    stream = client.chat.completions.create(model="luanti", messages=MSG, temperature=0, max_tokens=12,
                                            stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) >= 2  # really streamed


def test_stop_string_cuts_the_answer(client, engine):
    whole = client.chat.completions.create(model="luanti", messages=MSG, temperature=0, max_tokens=12)
    text = whole.choices[0].message.content
    stop = text[3:6]
    assert len(stop) == 3
    cut = client.chat.completions.create(model="luanti", messages=MSG, temperature=0, max_tokens=12, stop=stop)
    assert cut.choices[0].message.content == text[:text.index(stop)]
    assert cut.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("kwargs, status, code", [
    ({"model": "other"}, 404, "model_not_found"),
    ({"temperature": 3}, 400, None),
    ({"n": 0}, 400, None),
    ({"messages": []}, 400, None),
    ({"messages": [{"role": "wizard", "content": "x"}]}, 400, None),
    ({"max_tokens": 5000}, 400, "context_length_exceeded"),
    ({"messages": [{"role": "user", "content": "glow " * 2100}], "max_tokens": 1}, 400, "context_length_exceeded"),
    ({"tools": TOOLS}, 400, None),            # the Luanti domain takes no tools
])
def test_bad_requests_get_openai_error_bodies(client, kwargs, status, code):
    args = {"model": "luanti", "messages": MSG, "max_tokens": 4, **kwargs}
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(**args)
    assert err.value.status_code == status
    body = err.value.body
    assert set(body) == {"message", "type", "param", "code"} and body["message"] and body["code"] == code
    assert client.models.list().data  # and the server is still up


def test_unknown_route_is_a_json_404(client):
    with pytest.raises(openai.NotFoundError) as err:
        client.get("/nothing-here", cast_to=object)
    assert err.value.body["type"] == "invalid_request_error"


def test_concurrent_requests_queue_and_overflow_gets_429(engine, client):
    """max_waiting=2: while the engine is paused, 2 requests wait and the 3rd is refused with 429."""
    results, errors = [], []
    with engine.paused():   # no step runs, so the queue fills deterministically
        def ask():
            try:
                results.append(client.chat.completions.create(model="luanti", messages=MSG, max_tokens=3))
            except openai.APIStatusError as exc:
                errors.append(exc.status_code)
        threads = [threading.Thread(target=ask) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while engine._waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert engine._waiting == 2
        with pytest.raises(openai.RateLimitError) as err:
            client.chat.completions.create(model="luanti", messages=MSG, max_tokens=3)
        assert err.value.body["code"] == "rate_limit_exceeded"
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 2 and errors == [] and engine._waiting == 0


def test_concurrent_http_clients_get_what_they_get_alone(client, engine, monkeypatch):
    """Four clients at once through HTTP (one decode batch in the server) = each one alone."""
    monkeypatch.setattr(engine, "max_waiting", 8)  # this module's engine queues 2; four may wait here
    asks = [[{"role": "user", "content": f"A node number {i} that glows"}] for i in range(4)]
    alone = [client.chat.completions.create(model="luanti", messages=m, temperature=0, max_tokens=6 + 2 * i)
             .choices[0].message.content for i, m in enumerate(asks)]
    together = [None] * 4

    def ask(i):
        together[i] = client.chat.completions.create(model="luanti", messages=asks[i], temperature=0,
                                                     max_tokens=6 + 2 * i).choices[0].message.content
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert together == alone and None not in together


def test_text_stream_never_shows_a_stop_string(tokenizer):
    ids = tokenizer("abc END def", add_special_tokens=False)["input_ids"]
    ts = TextStream(tokenizer, ["END"])
    shown = "".join(ts.delta(ids[:i]) for i in range(1, len(ids) + 1))
    assert "END" not in shown and "abc ".startswith(shown)
    assert shown + ts.rest("abc ") == "abc "


@pytest.fixture(scope="module")
def mcp_client(tiny_model_dir, tokenizer):
    scripts = ['<tool_call>{"name": "run", "arguments": {"frames": 60}}</tool_call>', "No call needed."]
    eng = scripted_engine(domains.get("mcp_tools"), tiny_model_dir, tokenizer, scripts)
    with LiveServer(create_app(eng, "mcp")) as url:
        yield OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=120), eng


def test_tool_calls_in_openai_shape(mcp_client):
    client, eng = mcp_client
    eng.model.calls = 0
    r = client.chat.completions.create(model="mcp", messages=[{"role": "user", "content": "run 60 frames"}],
                                       tools=TOOLS, temperature=0)
    msg = r.choices[0].message
    assert r.choices[0].finish_reason == "tool_calls" and msg.content is None
    assert [(c.type, c.function.name, json.loads(c.function.arguments)) for c in msg.tool_calls] == \
        [("function", "run", {"frames": 60})]
    plain = client.chat.completions.create(model="mcp", messages=[{"role": "user", "content": "hi"}],
                                           tools=TOOLS, temperature=0)
    assert plain.choices[0].message.content == "No call needed." and not plain.choices[0].message.tool_calls
    # a follow-up turn that carries the call and its result is accepted (the trained text format)
    follow = [{"role": "user", "content": "run"}, msg.model_dump(exclude_none=True),
              {"role": "tool", "tool_call_id": msg.tool_calls[0].id, "content": "ok"}]
    assert client.chat.completions.create(model="mcp", messages=follow, tools=TOOLS).choices


def test_streamed_tool_calls_arrive_whole(mcp_client):
    client, eng = mcp_client
    eng.model.calls = 0
    chunks = list(client.chat.completions.create(model="mcp", messages=[{"role": "user", "content": "run"}],
                                                 tools=TOOLS, stream=True))
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [("run", {"frames": 60})]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_x_verdict_only_when_asked(mcp_client):
    client, eng = mcp_client
    eng.model.calls = 0
    ask = [{"role": "user", "content": "run 60 frames"}]
    r = client.chat.completions.create(model="mcp", messages=ask, tools=TOOLS, extra_body={"x_verdict": True})
    v = r.choices[0].model_dump()["x_verdict"]
    assert v["passed"] and v["levels"]["stated_facts"] and v["metrics"]["facts"]["stated"] >= 1
    assert "stated facts met" in v["label"]
    assert "x_verdict" not in client.chat.completions.create(model="mcp", messages=ask, tools=TOOLS).choices[0].model_dump()
    with pytest.raises(openai.BadRequestError, match="x_verdict"):
        client.chat.completions.create(model="mcp", messages=ask, stream=True, extra_body={"x_verdict": True})


@pytest.mark.slow
def test_the_serve_script_end_to_end(tiny_model_dir):
    """`make serve` runs scripts/serve.py: start it on a tiny model, ask it, stop it."""
    srv = ServeProcess(["--domain", "luanti", "--model", str(tiny_model_dir), "--name", "m"], timeout=600)
    with srv as url:
        client = OpenAI(base_url=url, api_key="x", max_retries=0, timeout=60)
        assert client.models.list().data[0].id == "m"
        r = client.chat.completions.create(model="m", messages=MSG, max_tokens=3)
        assert r.choices[0].message.role == "assistant"
    assert srv.proc.poll() is not None and "serving 'm'" in srv.output()
    # the default is auto: the start line names what the probe picked
    assert re.search(r"(bfloat16|float32) weights, --precision auto\)", srv.output()), "the dtype is named at start"


def test_bad_serve_arguments_are_user_errors(tiny_model_dir, capsys):
    from scripts.serve import main

    assert main(["--domain", "lunati", "--model", str(tiny_model_dir)]) == 2
    assert "did you mean 'luanti'" in capsys.readouterr().err
    assert main(["--domain", "luanti", "--model", str(tiny_model_dir), "--scale", "5"]) == 2


def test_vllm_command_is_wired(tiny_model_dir, tmp_path):
    from core.errors import UserError
    from serve.vllm import command

    adapter = tmp_path / "ad"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"r": 8}))
    cmd = command(str(tiny_model_dir), str(adapter), 1.0, port=9000, name="lua")
    assert cmd[:3] == ["vllm", "serve", str(tiny_model_dir)] and "--enable-lora" in cmd
    assert f"lua={adapter}" in cmd and cmd[cmd.index("--max-lora-rank") + 1] == "8"
    with pytest.raises(UserError, match="scale 1.0 only"):
        command(str(tiny_model_dir), str(adapter), 0.5)


def test_engine_refuses_over_context_before_any_work(engine):
    from serve.engine import ContextTooLong

    with pytest.raises(ContextTooLong, match="maximum context length is 2048"):
        engine.generate(Request(messages=MSG, max_tokens=2048))
