"""The OpenAI-compatible HTTP layer (FastAPI) over serve.engine.Engine.

Routes: GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions (n, temperature, top_p,
max_tokens / max_completion_tokens, stop, seed, stream as server-sent events, tools / tool_choice),
GET /health. Errors have OpenAI's body, `{"error": {"message", "type", "param", "code"}}`: 400 for a
bad request (schema, over-context: code `context_length_exceeded`), 404 for an unknown model or route,
413 for a body over `max_body_bytes` (code `request_too_large`, refused before the body is read or
parsed: by its Content-Length, or while a chunked body arrives), 429 when the queue is full or when one
client already has `max_per_client` requests waiting or running (a client: its address and bearer key),
500 for a bug (the server keeps running).

Tool calls: when the domain takes tools (`domain.takes_tools`) and the request sends `tools` (and
tool_choice is not "none"), the completion is parsed with the domain's own parser; calls found are
returned as `message.tool_calls` (finish_reason "tool_calls", arguments as a JSON string), otherwise the
text is the content. Streamed requests with tools get their answer in one delta at the end (the text
must be complete to be parsed). Not supported: logprobs, n > 1 with streaming of tool calls per token,
function_call (the pre-tools API), the legacy /v1/completions route, images.

`"x_verdict": true` in the body (not part of OpenAI's API; off by default) adds to each choice the
domain's verdict on the answer (`domain.validate_open`: the levels checked and the facts the last user
message states, met or not; domains/verdict.py), as `x_verdict`: {status, passed, level, levels, detail,
metrics, label}, so a pipeline can gate on it. Not with stream (400).
"""
from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from typing import Any, Literal, Optional, Union

from fastapi import FastAPI, Request as HTTPRequest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from core.errors import UserError
from serve.engine import Busy, ContextTooLong, Request

MAX_N = 16
MAX_BODY_BYTES = 1 << 20   # 1 MiB: far above any prompt a 8k-token context can take, far below what takes
                           # seconds to tokenise (a 10 MB message: 13 s before it was refused)
MAX_PER_CLIENT = 4


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Union[str, list, None] = None
    tool_calls: Optional[list] = None
    tool_call_id: Optional[str] = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")   # unknown OpenAI fields (user, stream_options...) are ignored
    model: str
    messages: list[Message] = Field(min_length=1)
    n: int = Field(1, ge=1, le=MAX_N)
    temperature: float = Field(1.0, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_tokens: Optional[int] = Field(None, ge=1)
    max_completion_tokens: Optional[int] = Field(None, ge=1)
    stop: Union[str, list[str], None] = None
    seed: Optional[int] = None
    stream: bool = False
    tools: Optional[list] = None
    tool_choice: Any = None
    x_verdict: bool = False    # not OpenAI: each choice also carries the domain's open verdict (see below)


def error(status: int, message: str, type_: str = "invalid_request_error", param=None, code=None):
    return JSONResponse({"error": {"message": message, "type": type_, "param": param, "code": code}},
                        status_code=status)


def _text(content) -> str:
    if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content or ""


def to_engine_request(body: ChatRequest) -> Request:
    stop = [body.stop] if isinstance(body.stop, str) else list(body.stop or [])
    if len(stop) > 4:
        raise UserError("'stop' takes at most 4 sequences")
    msgs = []
    for m in body.messages:
        d = {"role": "system" if m.role == "developer" else m.role, "content": _text(m.content)}
        if m.tool_calls:
            d["tool_calls"] = m.tool_calls
        msgs.append(d)
    return Request(messages=msgs, tools=body.tools, n=body.n, temperature=body.temperature, top_p=body.top_p,
                   max_tokens=body.max_completion_tokens or body.max_tokens, stop=tuple(stop), seed=body.seed)


def openai_tool_calls(calls: list[dict]) -> list[dict]:
    return [{"id": f"call_{uuid.uuid4().hex[:24]}", "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c["arguments"], ensure_ascii=False)}}
            for c in calls]


class BodyLimit:
    """ASGI middleware: a request body over `limit` bytes gets 413 before the route reads it (by its
    Content-Length; a chunked body is counted as it arrives and refused at the chunk that crosses)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    def _refusal(self, size: str) -> str:
        return f"The request body ({size}) is over this server's limit of {self.limit:,} bytes"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            refused = error(413, self._refusal(f"{int(length):,} bytes"), code="request_too_large")
            return await refused(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            msg = await receive()
            seen += len(msg.get("body", b"")) if msg["type"] == "http.request" else 0
            if seen > self.limit:   # FastAPI re-raises an HTTPException met while reading the body
                raise HTTPException(413, self._refusal(f"{seen:,} bytes so far"))
            return msg
        await self.app(scope, counted, send)


class ClientSlots:
    """Requests in flight (waiting or running) per client; over `limit`, Busy. A client is its address
    and the bearer key it sends (local tools that share 127.0.0.1 are told apart by their keys)."""

    def __init__(self, limit: int):
        self.limit, self.count, self.lock = limit, {}, threading.Lock()

    @staticmethod
    def key(http: HTTPRequest) -> str:
        return f"{http.client.host if http.client else '-'} {http.headers.get('authorization', '')}"

    def take(self, key: str):
        with self.lock:
            if self.count.get(key, 0) >= self.limit:
                raise Busy(f"this client already has {self.count[key]} requests waiting or running (at most "
                           f"{self.limit}); retry when one is done")
            self.count[key] = self.count.get(key, 0) + 1
        done = threading.Event()

        def release():
            with self.lock:
                if not done.is_set():
                    done.set()
                    self.count[key] -= 1
                    if not self.count[key]:
                        del self.count[key]
        return release


def create_app(engine, model_name: str, max_body_bytes: int = MAX_BODY_BYTES,
               max_per_client: int = MAX_PER_CLIENT) -> FastAPI:
    app = FastAPI(title="workbench OpenAI-compatible server", docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    slots = ClientSlots(max_per_client)
    created = int(time.time())

    @app.exception_handler(RequestValidationError)
    async def _invalid(_, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(x) for x in first.get("loc", ()) if x != "body"]
        return error(400, f"{'.'.join(loc) or 'body'}: {first.get('msg', 'invalid request')}",
                     param=".".join(loc) or None)

    @app.exception_handler(HTTPException)
    async def _http(_, exc: HTTPException):
        return error(exc.status_code, str(exc.detail), "invalid_request_error" if exc.status_code < 500
                     else "server_error", code="request_too_large" if exc.status_code == 413 else None)

    @app.exception_handler(Exception)
    async def _bug(_, exc: Exception):
        return error(500, f"internal error: {exc.__class__.__name__}: {exc}", "server_error")

    def model_card():
        return {"id": model_name, "object": "model", "created": created, "owned_by": "workbench",
                "domain": engine.domain.name, "adapter": engine.adapter, "scale": engine.scale,
                "context_length": engine.context}

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": [model_card()]}

    @app.get("/v1/models/{model_id:path}")
    def one_model(model_id: str):
        if model_id != model_name:
            return error(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found")
        return model_card()

    @app.post("/v1/chat/completions")
    def chat(body: ChatRequest, http: HTTPRequest):
        if body.model != model_name:
            return error(404, f"The model '{body.model}' does not exist; this server has '{model_name}'",
                         param="model", code="model_not_found")
        if body.tools and not engine.domain.takes_tools:
            return error(400, f"domain {engine.domain.name!r} does not take tools", param="tools")
        if body.x_verdict and body.stream:
            return error(400, "x_verdict needs the whole answer: not available with stream", param="x_verdict")
        try:
            release = slots.take(ClientSlots.key(http))
        except Busy as exc:
            return error(429, str(exc), "rate_limit_exceeded", code="rate_limit_exceeded")
        try:
            req = to_engine_request(body)
            ids, max_tokens = engine.prepare(req)
            turn = engine.admit()
        except ContextTooLong as exc:
            release()
            return error(400, str(exc), param="messages", code="context_length_exceeded")
        except Busy as exc:
            release()
            return error(429, str(exc), "rate_limit_exceeded", code="rate_limit_exceeded")
        except UserError as exc:  # DataError included: malformed tools / tool_calls
            release()
            return error(400, str(exc))
        except BaseException:
            release()
            raise
        parse_tools = bool(body.tools) and body.tool_choice != "none" and engine.domain.takes_tools
        head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": model_name,
                "system_fingerprint": None}
        if body.stream:
            usage = bool((getattr(body, "stream_options", None) or {}).get("include_usage"))
            return StreamingResponse(_stream(engine, turn, ids, req, max_tokens, head, parse_tools, usage, release),
                                     media_type="text/event-stream")
        try:
            with turn:
                choices = engine.run(ids, req, max_tokens, None, turn)
        finally:
            release()
        out = [_choice(engine, i, c, parse_tools) for i, c in enumerate(choices)]
        if body.x_verdict:
            for choice, c in zip(out, choices):
                choice["x_verdict"] = _verdict(engine.domain, req, c["text"])
        return {**head, "object": "chat.completion", "choices": out, "usage": _usage(len(ids), choices)}

    return app


def _message(engine, text: str, parse_tools: bool) -> tuple[dict, str | None]:
    calls = engine.domain.tool_calls(text) if parse_tools else []
    if calls:
        return {"role": "assistant", "content": None, "tool_calls": openai_tool_calls(calls)}, "tool_calls"
    return {"role": "assistant", "content": text}, None


def _choice(engine, index: int, c: dict, parse_tools: bool) -> dict:
    msg, finish = _message(engine, c["text"], parse_tools)
    return {"index": index, "message": msg, "finish_reason": finish or c["finish"], "logprobs": None}


def _verdict(domain, req: Request, text: str) -> dict:
    from domains.verdict import verdict_label

    res = domain.validate_open(req.messages, text, req.tools)
    return {**res.to_dict(), "label": verdict_label(res)}


def _usage(n_prompt: int, choices) -> dict:
    completion = sum(c["n_tokens"] for c in choices)
    return {"prompt_tokens": n_prompt, "completion_tokens": completion, "total_tokens": n_prompt + completion}


def _sse(obj) -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


def _stream(engine, turn, ids, req, max_tokens, head, parse_tools, include_usage=False, release=lambda: None):
    """Server-sent events: a role delta per choice, content deltas, a finish chunk per choice, [DONE].
    The model runs in a thread started now (so its queue place is always used); closing the stream
    (client gone) cancels it at the next token."""
    from serve.engine import Cancelled

    events: queue.Queue = queue.Queue()
    gone = threading.Event()

    def on_delta(index, text):
        if gone.is_set():
            raise Cancelled()
        if not parse_tools:
            events.put(("delta", index, text))

    def work():
        try:
            with turn:
                events.put(("done", engine.run(ids, req, max_tokens, on_delta, turn), None))
        except Cancelled:
            pass
        except Exception as exc:  # reported in the stream; the server keeps running
            events.put(("error", f"{exc.__class__.__name__}: {exc}", None))
        finally:
            release()   # the client's slot: free once the model is done with this request

    threading.Thread(target=work, daemon=True).start()
    return _events(events, gone, {**head, "object": "chat.completion.chunk"}, engine, req, ids, parse_tools,
                   include_usage)


def _events(events, gone, chunk, engine, req, ids, parse_tools, include_usage):
    try:
        for i in range(req.n):
            yield _sse({**chunk, "choices": [{"index": i, "delta": {"role": "assistant", "content": ""},
                                              "finish_reason": None, "logprobs": None}]})
        while True:
            kind, a, b = events.get()
            if kind == "delta":
                yield _sse({**chunk, "choices": [{"index": a, "delta": {"content": b}, "finish_reason": None,
                                                  "logprobs": None}]})
            elif kind == "error":
                yield _sse({"error": {"message": a, "type": "server_error", "param": None, "code": None}})
                break
            else:
                for i, c in enumerate(a):
                    msg, finish = _message(engine, c["text"], parse_tools)
                    delta = {k: v for k, v in msg.items() if k != "role"} if parse_tools else {}
                    if delta.get("tool_calls"):
                        delta["tool_calls"] = [{"index": j, **tc} for j, tc in enumerate(delta["tool_calls"])]
                    yield _sse({**chunk, "choices": [{"index": i, "delta": delta,
                                                      "finish_reason": finish or c["finish"], "logprobs": None}]})
                if include_usage:
                    yield _sse({**chunk, "choices": [], "usage": _usage(len(ids), a)})
                break
        yield "data: [DONE]\n\n"
    finally:
        gone.set()
