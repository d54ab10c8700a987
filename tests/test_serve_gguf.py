"""make serve --backend llama-cpp: this project's API in front of llama.cpp's OpenAI-compatible server.

The front (serve/llama_cpp.py) is tested against a stand-in upstream on 127.0.0.1 that answers
/v1/completions the way llama_cpp.server does (a fixed completion, whole or streamed) and records what
it was sent; the real llama_cpp.server runs where llama-cpp-python[server] is installed (`make llama-cpp`),
and must run in CI (WB_REQUIRE_LLAMA_CPP=1, set by .ci/run after it builds them)."""
from __future__ import annotations

import json
import os

import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from openai import OpenAI

import domains
from core import models
from serve import llama_cpp
from serve.api import create_app
from tests.serve_helpers import LiveServer

TOOLS = [{"type": "function", "function": {"name": "run", "description": "run frames", "parameters": {
    "type": "object", "properties": {"frames": {"type": "integer"}}, "required": ["frames"]}}}]
CALL = '<tool_call>{"name": "run", "arguments": {"frames": 60}}</tool_call>'


def stand_in(answer: str, sent: list) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/completions")
    async def completions(body: dict):
        sent.append(body)
        if not body.get("stream"):
            return {"id": "c", "object": "text_completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "text": answer, "finish_reason": "stop", "logprobs": None}],
                    "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16}}

        def events():
            for i in range(0, len(answer), 5):
                yield "data: " + json.dumps({"id": "c", "object": "text_completion", "created": 0,
                                             "model": body["model"], "choices": [
                                                 {"index": 0, "text": answer[i:i + 5], "finish_reason": None,
                                                  "logprobs": None}]}) + "\n\n"
            yield "data: " + json.dumps({"id": "c", "object": "text_completion", "created": 0, "model": body["model"],
                                         "choices": [{"index": 0, "text": "", "finish_reason": "stop",
                                                      "logprobs": None}]}) + "\n\n"
            yield "data: [DONE]\n\n"
        return StreamingResponse(events(), media_type="text/event-stream")
    return app


@pytest.fixture(scope="module")
def front_client():
    sent: list = []
    with LiveServer(stand_in(CALL, sent)) as upstream:
        front = llama_cpp.LlamaCppFront(domains.get("mcp_tools"), models.embedded_gguf(), upstream, 8192,
                                        max_waiting=2)
        with LiveServer(create_app(front, "mcp")) as url:
            yield OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=120), sent, front


def test_the_front_sends_the_domain_prompt_and_parses_tool_calls(front_client):
    client, sent, front = front_client
    sent.clear()
    ask = [{"role": "user", "content": "run 60 frames"}]
    r = client.chat.completions.create(model="mcp", messages=ask, tools=TOOLS, temperature=0, seed=5, n=2,
                                       stop=["END"])
    assert [c.finish_reason for c in r.choices] == ["tool_calls", "tool_calls"]
    assert [json.loads(c.message.tool_calls[0].function.arguments) for c in r.choices] == [{"frames": 60}] * 2
    assert r.usage.completion_tokens == 14 and len(sent) == 2        # n=2: two upstream calls
    assert sent[0]["prompt"] == front.prompt_text(ask, TOOLS)         # the domain's system prompt and tools
    assert "run frames" in sent[0]["prompt"] and sent[0]["temperature"] == 0
    assert "END" in sent[0]["stop"] and sent[0]["seed"] != sent[1]["seed"]


def test_the_front_streams_and_keeps_context_checks(front_client):
    client, sent, _ = front_client
    chunks = list(client.chat.completions.create(model="mcp", messages=[{"role": "user", "content": "hi"}],
                                                 stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == CALL
    with pytest.raises(Exception) as err:   # over the context: refused by the front, upstream never asked
        n = len(sent)
        client.chat.completions.create(model="mcp", messages=[{"role": "user", "content": "x"}], max_tokens=9000)
    assert getattr(err.value, "status_code", None) == 400 and len(sent) == n


@pytest.mark.skipif(bool(llama_cpp.missing()) and os.environ.get("WB_REQUIRE_LLAMA_CPP") != "1",
                    reason="llama-cpp-python[server] is not installed here (missing: "
                    f"{', '.join(llama_cpp.missing())}); `make llama-cpp` builds it from env/llama_cpp.lock "
                    "(in CI, .ci/run does, and sets WB_REQUIRE_LLAMA_CPP=1: then this test fails instead)")
def test_the_real_llama_cpp_server_behind_make_serve():
    from serve.process import ServeProcess

    srv = ServeProcess(["--domain", "luanti", "--backend", "llama-cpp", "--gguf", "embedded", "--threads", "1",
                        "--name", "m"], timeout=600)
    with srv as url:
        client = OpenAI(base_url=url, api_key="x", max_retries=0, timeout=300)
        r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "A node that glows"}],
                                           max_tokens=8, temperature=0)
        assert r.choices[0].message.role == "assistant" and 1 <= r.usage.completion_tokens <= 8
