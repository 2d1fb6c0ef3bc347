"""The login throttle: its bookkeeping on a fake clock, and the middleware on a real ASGI exchange."""

from __future__ import annotations

import asyncio
import json

from assistant.ui.throttle import LoginThrottle, Throttle


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_failures_lock_a_client_out_and_the_wait_doubles():
    clock = Clock()
    th = Throttle(free_after=3, lockout=10, max_lockout=35, window=300, clock=clock)
    for _ in range(2):
        th.failed("a")
        assert th.wait("a") == 0
    th.failed("a")
    assert th.wait("a") == 10 and th.wait("b") == 0  # only that client
    clock.t += 10
    th.failed("a")
    assert th.wait("a") == 20
    clock.t += 20
    th.failed("a")
    assert th.wait("a") == 35  # the ceiling
    th.succeeded("a")
    assert th.wait("a") == 0


def test_quiet_clients_are_forgotten_and_memory_is_bounded():
    clock = Clock()
    th = Throttle(free_after=2, lockout=5, window=60, clock=clock, max_clients=100)
    th.failed("a")
    clock.t += 61
    th.failed("a")
    assert th.wait("a") == 0  # the first failure is outside the window
    for i in range(500):
        th.failed(f"c{i}")
    assert len(th._clients) == 100


def _exchange(mw, path="/login", method="POST", client=("10.0.0.1", 5000), headers=()):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(mw({"type": "http", "method": method, "path": path, "client": client, "headers": list(headers)},
                   receive, send))
    return sent


def _app(status):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
    return app


def test_middleware_counts_gradio_answers_and_refuses_while_locked():
    th = Throttle(free_after=2, lockout=30)
    wrong = LoginThrottle(_app(400), th)
    for _ in range(2):
        assert _exchange(wrong)[0]["status"] == 400
    sent = _exchange(LoginThrottle(_app(200), th))  # even the right password waits
    assert sent[0]["status"] == 429 and (b"retry-after", b"30") in sent[0]["headers"]
    assert "try again in 30 s" in json.loads(sent[1]["body"])["detail"]
    assert _exchange(wrong, client=("10.0.0.2", 1))[0]["status"] == 400  # another address is not affected
    assert _exchange(wrong, path="/config", method="GET")[0]["status"] == 400  # other routes pass through
    assert th.wait("10.0.0.1") > 0 and th.wait("unknown") == 0


def test_behind_a_proxy_the_configured_header_names_the_client():
    th = Throttle(free_after=1, lockout=30)
    mw = LoginThrottle(_app(400), th, client_header="X-Forwarded-For")
    _exchange(mw, client=("127.0.0.1", 1), headers=[(b"x-forwarded-for", b"203.0.113.9, 10.0.0.1")])
    assert th.wait("203.0.113.9") > 0 and th.wait("127.0.0.1") == 0
