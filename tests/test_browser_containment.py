"""Browser containment (docs/containment.md): a page in the validators' browser reaches nothing but its
own served origin. Loopback listeners only (TCP and UDP on 127.0.0.1, 127.0.0.2 and ::1, other ports
than the page server); the probe page (tests/fixtures/browser/probe.js) tries fetch, <img>, WebSocket, WebRTC
STUN and TURN (UDP and TCP), WebTransport, a Worker's fetch, navigator.sendBeacon and EventSource
against each, and fetches its own origin (so a probe that never ran cannot pass). The same probe
under the browser flags of 257b80c reached every listener (docs/containment.md)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser_listeners import Listeners
from domains import browser
from domains.base import ToolMissing
from domains.browser import BrowserPool
from domains.threejs import toolchain
from threejs_helpers import needs_browser

PROBE = Path(__file__).parent / "fixtures" / "browser"
TCP_CHANNELS = ("fetch", "img", "websocket", "beacon", "eventsource", "worker fetch", "turn over tcp")
UDP_CHANNELS = ("webrtc stun", "turn over udp", "webtransport")
NETNS = browser.netns_problem()


def probe(mode: str) -> tuple[dict, list[str], Listeners]:
    with Listeners() as ears:
        pool = BrowserPool(toolchain.node_binary(), toolchain.chromium_binary(), toolchain.PLAYWRIGHT,
                           {"/probe/": PROBE}, concurrency=1, containment=mode, stall_margin=10)
        try:
            query = f"tcp={','.join(ears.tcp)}&udp={','.join(ears.udp)}&self=1"
            out = pool.run_many([{"id": "p", "url": "/probe/probe.html?" + query, "seconds": 15, "load_seconds": 30,
                                  "done_expr": "window.__probe && window.__probe.done",
                                  "result_expr": "window.__probe"}])["p"]
        finally:
            pool.close()    # the browser is gone before the listeners stop: nothing can arrive later
    return out, list(ears.seen), ears


@needs_browser
@pytest.mark.parametrize("mode", ["netns", "proxy"])
def test_no_channel_of_a_page_reaches_a_loopback_listener(mode):
    if mode == "netns" and NETNS and os.environ.get("WB_REQUIRE_SERVER") != "1":
        pytest.skip(f"no network namespace here: {NETNS}")
    out, seen, ears = probe(mode)
    assert out["status"] == "ok" and out["containment"] == mode, out.get("detail")
    page = out["result"]
    want = {f"{c} {hp}" for hp in ears.tcp for c in TCP_CHANNELS} | {f"{c} {hp}" for hp in ears.udp for c in UDP_CHANNELS}
    assert want | {"fetch own origin"} == set(page["tried"])
    assert page["outcome"]["fetch own origin"] == "reached"      # the probe ran and the origin is served
    assert seen == []                                             # no connection accepted, no datagram
    assert [k for k, how in page["outcome"].items() if how == "reached"] == ["fetch own origin"]
    assert not [c for c in page["candidates"] if " srflx " in c or " relay " in c]
    assert {u.split("/")[2] for u in out["blocked"]} == set(ears.tcp)   # recorded as blocked, never sent


def test_the_listeners_count_what_reaches_them():
    with Listeners() as ears:
        for where in ears.tcp:
            host, port = where.rsplit(":", 1)
            socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
        for where in ears.udp:
            host, port = where.rsplit(":", 1)
            with socket.socket(socket.AF_INET6 if "[" in host else socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(b"x", (host.strip("[]"), int(port)))
        for _ in range(100):
            if len(ears.seen) == 6:
                break
            time.sleep(0.05)
    assert sorted(x.split()[0] + " " + x.split()[1] for x in ears.seen) == sorted(
        [f"tcp {w}" for w in ears.tcp] + [f"udp {w}" for w in ears.udp])


@pytest.mark.skipif(NETNS is not None, reason=f"no network namespace here: {NETNS}")
def test_the_namespace_alone_keeps_host_loopback_out_of_reach():
    """Without the browser's own settings: a process started as the worker is cannot reach a host
    listener over TCP nor land a datagram on one."""
    with Listeners(hosts=("127.0.0.1",)) as ears:
        (host, port), (uhost, uport) = ears.tcp[0].split(":"), ears.udp[0].split(":")
        code = ("import socket\n"
                f"u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b'x', ('{uhost}', {uport}))\n"
                f"try:\n    socket.create_connection(('{host}', {port}), timeout=3); print('connected')\n"
                "except OSError as e:\n    print('refused', e.errno)\n")
        out = subprocess.run(browser._netns_prefix() + [sys.executable, "-c", code], capture_output=True,
                             text=True, timeout=60)
        time.sleep(0.5)
    assert out.stdout.startswith("refused"), out.stdout + out.stderr
    assert ears.seen == []


def test_gate_a_shows_the_containment_and_a_fallback_as_a_miss(monkeypatch):
    import domains

    (line,) = [tc for tc in domains.get("threejs").toolchains() if tc.name == "browser containment"]
    assert not line.required and line.check()[0] == (NETNS is None)
    monkeypatch.setattr(browser, "netns_problem", lambda: "unshare: operation not permitted")
    assert line.check() == (False, "no network namespace (unshare: operation not permitted): pages are contained "
                                   "by Chromium's proxy and WebRTC settings alone (weaker, docs/containment.md)")
    monkeypatch.setenv("WB_BROWSER_CONTAINMENT", "netns")
    assert "the browser will not start" in line.check()[1]


def test_containment_modes_and_a_loud_fallback(monkeypatch, capsys):
    with pytest.raises(ValueError, match="expected one of auto, netns, proxy"):
        browser.choose_containment("off")
    assert browser.choose_containment("proxy") == ("proxy", [])
    monkeypatch.setattr(browser, "netns_problem", lambda: "unshare: operation not permitted")
    with pytest.raises(ToolMissing, match="no network namespace for the browser .unshare: operation not permitted"):
        browser.choose_containment("netns")
    monkeypatch.setenv("WB_BROWSER_CONTAINMENT", "auto")
    assert browser.choose_containment() == ("proxy", [])
    assert "WITHOUT a network namespace (unshare: operation not permitted)" in capsys.readouterr().err
