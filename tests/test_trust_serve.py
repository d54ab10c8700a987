"""make serve, trust round 3: a huge body is refused (413, OpenAI error body) before any work, whether it
states its length or arrives chunked; one client cannot fill the queue (429 past its own bound) while
another client still gets in; a client's slot is freed when its request ends (also when streamed)."""
from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlparse

import openai
import pytest
from openai import OpenAI

import domains
from serve.api import create_app
from serve.engine import Engine
from tests.serve_helpers import LiveServer

MSG = [{"role": "user", "content": "A node that glows"}]


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return Engine(domains.get("luanti"), str(tiny_model_dir), max_waiting=8, default_max_tokens=4)


@pytest.fixture(scope="module")
def url(engine):
    with LiveServer(create_app(engine, "luanti", max_body_bytes=200_000, max_per_client=1)) as u:
        yield u


def _client(url, key):
    return OpenAI(base_url=url, api_key=key, max_retries=0, timeout=120)


@pytest.fixture()
def untouched(engine, monkeypatch):
    """Fails the test if the engine tokenises anything."""
    def boom(*a, **k):
        raise AssertionError("the body was tokenised")
    monkeypatch.setattr(engine, "prompt_ids", boom)


def _post(url, body, chunked=False):
    """(status, JSON body) of a raw POST to /chat/completions (the standard library's client: it can
    send a body in chunks without a length)."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    try:
        conn.request("POST", f"{u.path}/chat/completions", body=body, encode_chunked=chunked,
                     headers={"content-type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def test_a_10_mb_message_is_refused_before_any_work(url, untouched):
    body = b'{"model": "luanti", "messages": [{"role": "user", "content": "' + b"glow " * 2_000_000 + b'"}]}'
    status, got = _post(url, body)
    assert status == 413
    err = got["error"]
    assert err["code"] == "request_too_large" and err["type"] == "invalid_request_error"
    assert "over this server's limit of 200,000 bytes" in err["message"]


def test_a_chunked_body_is_counted_as_it_arrives(url, untouched):
    def chunks():
        yield b'{"model": "luanti", "messages": [{"role": "user", "content": "'
        for _ in range(8):
            yield b"g" * 50_000
        yield b'"}]}'
    try:
        status, got = _post(url, chunks(), chunked=True)
    except (ConnectionError, http.client.HTTPException):   # closed while the client still sends: refused too
        return
    assert status == 413 and got["error"]["code"] == "request_too_large"


def test_the_openai_client_sees_a_413_and_small_requests_still_pass(url):
    c = _client(url, "small")
    with pytest.raises(openai.APIStatusError) as err:
        c.chat.completions.create(model="luanti", messages=[{"role": "user", "content": "x" * 300_000}])
    assert err.value.status_code == 413
    assert c.chat.completions.create(model="luanti", messages=MSG, max_tokens=2).choices


def test_one_client_cannot_fill_the_queue(url, engine):
    """max_per_client=1: while client A's request waits, A's next gets 429; client B's is queued."""
    a, b = _client(url, "client-a"), _client(url, "client-b")
    done, errors = [], []

    def ask(c):
        try:
            done.append(c.chat.completions.create(model="luanti", messages=MSG, max_tokens=2))
        except openai.APIStatusError as exc:
            errors.append(exc.status_code)
    with engine.paused():   # no decode step runs, so requests wait
        first = threading.Thread(target=ask, args=(a,))
        first.start()
        deadline = time.monotonic() + 60
        while engine._waiting < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(openai.RateLimitError) as err:
            a.chat.completions.create(model="luanti", messages=MSG, max_tokens=2)
        assert "this client already has 1 requests" in err.value.body["message"]
        second = threading.Thread(target=ask, args=(b,))
        second.start()
        while engine._waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert engine._waiting == 2
    first.join(timeout=120)
    second.join(timeout=120)
    assert len(done) == 2 and errors == []
    # the slots were given back: A may ask again, streamed, then once more
    chunks = list(a.chat.completions.create(model="luanti", messages=MSG, max_tokens=2, stream=True))
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert a.chat.completions.create(model="luanti", messages=MSG, max_tokens=2).choices
