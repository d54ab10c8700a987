"""Loopback listeners for the browser containment test: TCP and UDP sockets on 127.0.0.1, 127.0.0.2 and
::1 (never any other address) that count what reaches them: accepted connections and received datagrams.
Each listener runs in a daemon thread with a short socket timeout and stops when `close()` is called,
so nothing outlives the test."""
from __future__ import annotations

import socket
import threading

HOSTS = ("127.0.0.1", "127.0.0.2", "::1")


class Listeners:
    def __init__(self, hosts=HOSTS):
        self.seen: list[str] = []      # "tcp 127.0.0.2:40123 from 127.0.0.1:5555", "udp ..."
        self._stop = threading.Event()
        self._socks = []
        self.tcp, self.udp = [], []     # "host:port" each ("[::1]:port")
        for host in hosts:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(family, kind)
                s.bind((host, 0))
                s.settimeout(0.2)
                if kind == socket.SOCK_STREAM:
                    s.listen(16)
                self._socks.append(s)
                where = f"[{host}]:{s.getsockname()[1]}" if family == socket.AF_INET6 else f"{host}:{s.getsockname()[1]}"
                (self.tcp if kind == socket.SOCK_STREAM else self.udp).append(where)
                threading.Thread(target=self._serve, args=(s, where), daemon=True).start()

    def _serve(self, s, where):
        tcp = s.type == socket.SOCK_STREAM
        while not self._stop.is_set():
            try:
                if tcp:
                    conn, peer = s.accept()
                    conn.close()
                else:
                    _, peer = s.recvfrom(65536)
            except (socket.timeout, OSError):
                continue
            self.seen.append(f"{'tcp' if tcp else 'udp'} {where} from {peer[0]}:{peer[1]}")

    def close(self):
        self._stop.set()
        for s in self._socks:
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
