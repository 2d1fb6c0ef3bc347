"""A per-client throttle in front of Gradio's login: after a few failed logins from one address, that address must
wait before trying again, and each further failure doubles the wait (up to a ceiling).

LoginThrottle is plain ASGI middleware around Gradio's FastAPI app (installed by server.serve); it only looks at
POST /login and Gradio's answer to it (200: logged in, 400: wrong credentials).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from . import phrases

MAX_CLIENTS = 10_000  # addresses remembered at once; the least recently seen are forgotten beyond this


class Throttle:
    """Failed-login bookkeeping per client: `free_after` allowed failures, then a lockout that doubles."""

    def __init__(self, free_after: int = 5, lockout: float = 30.0, max_lockout: float = 900.0,
                 window: float = 900.0, clock: Callable[[], float] = time.monotonic, max_clients: int = MAX_CLIENTS):
        self.free_after, self.lockout, self.max_lockout, self.window = free_after, lockout, max_lockout, window
        self.clock, self.max_clients = clock, max_clients
        self._clients: OrderedDict[str, list[float]] = OrderedDict()  # client -> [failures, last failure, until]
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must wait before its next login attempt (0: it may try now)."""
        with self._lock:
            entry = self._clients.get(client)
            if not entry:
                return 0.0
            now = self.clock()
            if now - entry[1] > self.window and now >= entry[2]:
                del self._clients[client]  # quiet long enough: start afresh
                return 0.0
            return max(0.0, entry[2] - now)

    def failed(self, client: str) -> None:
        """Count a failed login; from the free_after-th failure on, lock the client out."""
        with self._lock:
            now = self.clock()
            entry = self._clients.pop(client, None) or [0, now, 0.0]
            if now - entry[1] > self.window:
                entry = [0, now, 0.0]
            entry[0] += 1
            entry[1] = now
            over = entry[0] - self.free_after
            if over >= 0:
                entry[2] = now + min(self.max_lockout, self.lockout * 2 ** over)
            self._clients[client] = entry
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        """A successful login clears the client's record."""
        with self._lock:
            self._clients.pop(client, None)


class LoginThrottle:
    """ASGI middleware: refuses POST /login with 429 while the client is locked out, and records each outcome."""

    def __init__(self, app: Any, throttle: Throttle, client_header: str | None = None):
        self.app, self.throttle = app, throttle
        self.client_header = client_header.lower().encode() if client_header else None

    def _client(self, scope: dict[str, Any]) -> str:
        if self.client_header:  # behind a reverse proxy that sets this header (see the README)
            for name, value in scope.get("headers") or []:
                if name == self.client_header:
                    return value.decode("latin-1").split(",")[0].strip() or "unknown"
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope.get("type") == "http" else ""
        if scope.get("method") != "POST" or path.rstrip("/").rsplit("/", 1)[-1] != "login":
            return await self.app(scope, receive, send)
        client = self._client(scope)
        wait = self.throttle.wait(client)
        if wait > 0:
            seconds = math.ceil(wait)
            body = json.dumps({"detail": phrases.LOGIN_THROTTLED.format(seconds=seconds)}).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", str(seconds).encode()),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        status: list[int] = []

        async def watch(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.throttle.succeeded(client)
        elif status and 400 <= status[0] < 500:
            self.throttle.failed(client)
