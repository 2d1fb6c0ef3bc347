"""Calling a running Gradio app's events the way its page does (POST queue/join, then read the event stream), so
tests can send what a hostile client would: forged state, malformed values, events out of order."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx


class Session:
    """One browser session (a session hash) against the app at url, optionally logged in."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None):
        self.client = httpx.Client(base_url=url.rstrip("/"), timeout=120)
        if auth:
            r = self.client.post("/login", data={"username": auth[0], "password": auth[1]})
            r.raise_for_status()
        self.hash = secrets.token_hex(8)
        self.config = self.client.get("/config").json()
        self._ids = {c["id"]: (c.get("props") or {}).get("elem_id") for c in self.config["components"]}

    def fn(self, event: str, elem_id: str | None = None) -> int:
        """The index of the event triggered by `event` on the component with elem_id (None: the page itself)."""
        for dep in self.config["dependencies"]:
            for target, name in dep["targets"]:
                if name == event and self._ids.get(target) == elem_id and (elem_id or len(dep["targets"]) == 1):
                    return dep["id"]
        raise KeyError(f"no {event} event on {elem_id}")

    def call(self, fn_index: int, data: list[Any], event_data: Any = None,
             query: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Run one event; returns every message the server streamed for it (the last is process_completed).

        `query` is the page's address query (?c=..., ?a=...), which the page sends along with each event.
        """
        r = self.client.post("/gradio_api/queue/join", params=query or {}, json={
            "data": data, "fn_index": fn_index, "session_hash": self.hash, "event_data": event_data,
            "trigger_id": None})
        r.raise_for_status()
        event_id = r.json()["event_id"]
        out = []
        with self.client.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.hash}) as s:
            for line in s.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") not in (None, event_id):
                    continue
                out.append(msg)
                if msg.get("msg") == "process_completed":
                    return out
        raise AssertionError(f"the event stream ended before event {fn_index} completed: {out}")

    def upload(self, name: str, data: bytes) -> dict[str, Any]:
        """Upload a file as the page does; returns the FileData an event takes."""
        r = self.client.post("/gradio_api/upload", files={"files": (name, data)})
        r.raise_for_status()
        path = r.json()[0]
        return {"path": path, "orig_name": name, "size": len(data), "meta": {"_type": "gradio.FileData"}}

    def close(self) -> None:
        self.client.close()


def output(messages: list[dict[str, Any]]) -> list[Any]:
    """The data of a completed event (AssertionError with the server's message when it failed)."""
    done = messages[-1]
    assert done.get("success"), done
    return done["output"]["data"]


def logs(messages: list[dict[str, Any]], level: str | None = None) -> list[str]:
    """The toasts (gr.Info / gr.Warning) an event showed."""
    return [m["log"] for m in messages if m.get("msg") == "log" and (level is None or m.get("level") == level)]
