"""make teacher: end to end against the project's own server (live, 127.0.0.1, a scripted model; and
scripts/serve.py itself on the tiny model, whose noise is all rejected), with
resume after a stop, rejection reasons, dedup against train/eval/generated items, the key never
written; and the retry/backoff rules against a server that answers 429 / 503."""
from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

import domains
from core.errors import UserError
from serve.api import create_app
from teacher.client import chat, make_client
from tests.serve_helpers import LiveServer, scripted_engine

SECRET = "sk-test-never-logged-4242"
LAMP = {"family": "scaffold", "instruction": "Write Luanti mod code that registers a node teach:lamp that glows.",
        "input": "", "output": 'minetest.register_node("teach:lamp", {description = "Lamp", light_source = 14})\n',
        "expect": {"calls": [{"api": "register_node", "name": "teach:lamp"}]}}
BROKEN = {**LAMP, "instruction": "Write Luanti mod code that registers a node teach:bad.",
          "output": 'minetest.register_node("teach:bad", {\n'}


@pytest.fixture(scope="module")
def teacher_url(tiny_model_dir, tokenizer):
    from core.meta import ROOT

    train_line = (ROOT / "data" / "luanti" / "train.jsonl").read_text().splitlines()[0]
    scripts = ["Here is one:\n```json\n" + json.dumps(LAMP) + "\n```",       # kept
               "I cannot help with that.",                                    # not_json
               train_line,                                                    # duplicate of a train item
               json.dumps(BROKEN),                                            # the validator says no
               json.dumps({**LAMP, "id": "renamed"})]                         # duplicate of the kept one
    eng = scripted_engine(domains.get("luanti"), tiny_model_dir, tokenizer, scripts)
    eng.context = 32768  # the examples in the prompt are longer than the tiny model's 2048
    app = create_app(eng, "teacher")
    seen = []

    @app.middleware("http")
    async def keys(request, call_next):
        seen.append(request.headers.get("authorization"))
        return await call_next(request)

    with LiveServer(app) as url:
        yield url, seen


def test_teacher_end_to_end_with_resume(teacher_url, tmp_path, monkeypatch, capsys):
    from scripts.teacher import main

    url, seen = teacher_url
    monkeypatch.setenv("TEACHER_KEY", SECRET)
    out = tmp_path / "gen.jsonl"
    args = ["--domain", "luanti", "--base-url", url, "--model", "teacher", "--out", str(out),
            "--key-env", "TEACHER_KEY", "--examples", "2"]
    assert main(args + ["--count", "1"]) == 0
    assert [json.loads(x) for x in out.read_text().splitlines()] == [LAMP]
    # rerun for more: it resumes at request 1, and every further answer is rejected with its reason
    assert main(args + ["--count", "2", "--max-requests", "5"]) == 1
    rejected = [json.loads(x) for x in (tmp_path / "gen.rejected.jsonl").read_text().splitlines()]
    assert [r["attempt"] for r in rejected] == [1, 2, 3, 4]
    reasons = [r["reason"] for r in rejected]
    assert reasons[0].startswith("not_json")
    assert reasons[1].startswith("duplicate: exact copy of luanti-")
    assert reasons[2].startswith("syntax_error") and "init.lua" in reasons[2]
    assert reasons[3].startswith("duplicate: exact")
    assert len(out.read_text().splitlines()) == 1
    meta = json.loads((tmp_path / "gen.meta.json").read_text())
    assert meta["kept"] == 1 and meta["requests"] == 5
    assert "resuming: 1 kept, 0 rejected" in capsys.readouterr().out
    # the key went to the server, and nowhere else
    assert seen and all(h == f"Bearer {SECRET}" for h in seen)
    written = "".join(p.read_text() for p in tmp_path.iterdir())
    assert SECRET not in written and SECRET not in capsys.readouterr().out
    # the output is a valid training file for the domain
    assert domains.get("luanti").load(out)[0]["instruction"] == LAMP["instruction"]


@pytest.fixture(scope="module")
def flaky_url():
    """429 (Retry-After: 0), 429, 503, then an answer; /bad answers 400."""
    app, calls = FastAPI(), []

    @app.post("/v1/chat/completions")
    def completions():
        calls.append(1)
        n = len(calls)
        if n <= 2:
            return JSONResponse({"error": {"message": "slow down"}}, 429, headers={"retry-after": "0"})
        if n == 3:
            return JSONResponse({"error": {"message": "overloaded"}}, 503)
        return {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"},
                             "finish_reason": "stop"}]}

    @app.post("/bad/chat/completions")
    def bad():
        return JSONResponse({"error": {"message": "no such model"}}, 400)

    with LiveServer(app) as url:
        yield url, calls


def test_retry_with_backoff_on_429_and_5xx(flaky_url):
    url, calls = flaky_url
    waits, logs = [], []
    text = chat(make_client(url, "NO_SUCH_KEY_VAR"), "m", [{"role": "user", "content": "hi"}], retries=5,
                backoff=0.5, sleep=waits.append, log=logs.append)
    assert text == "hello" and len(calls) == 4
    assert waits == [0.0, 0.0, 2.0]   # Retry-After honoured, then 0.5 * 2**2
    assert "HTTP 503" in logs[-1]
    calls.clear()
    with pytest.raises(UserError, match="HTTP 429 after 1 retries"):
        chat(make_client(url, "X"), "m", [{"role": "user", "content": "hi"}], retries=1, sleep=waits.append,
             log=logs.append)
    with pytest.raises(UserError, match="HTTP 400: no such model"):
        chat(make_client(url.replace("/v1", "/bad"), "X"), "m", [{"role": "user", "content": "hi"}],
             sleep=waits.append, log=logs.append)


@pytest.mark.slow
def test_teacher_against_the_serve_script_with_a_real_tiny_model(tiny_model_dir, tmp_path, capsys):
    """The whole path with nothing scripted: scripts/serve.py (as `make serve` runs it) on the tiny random
    Llama, over real HTTP. Its answers are noise, so each is rejected with a reason and nothing is kept."""
    from scripts.teacher import main
    from serve.process import ServeProcess

    out = tmp_path / "gen.jsonl"
    with ServeProcess(["--domain", "luanti", "--model", str(tiny_model_dir), "--name", "tiny"], timeout=600) as url:
        code = main(["--domain", "luanti", "--base-url", url, "--model", "tiny", "--out", str(out), "--count", "1",
                     "--max-requests", "2", "--examples", "1", "--max-tokens", "16", "--retries", "0"])
    assert code == 1 and out.read_text() == ""
    rejected = [json.loads(x) for x in (tmp_path / "gen.rejected.jsonl").read_text().splitlines()]
    assert [r["attempt"] for r in rejected] == [0, 1] and all(r["reason"] for r in rejected)
    assert json.loads((tmp_path / "gen.meta.json").read_text())["requests"] == 2
    assert "stopped at --max-requests 2 with 0 of 1 items" in capsys.readouterr().out
