"""A real OpenAI-compatible chat-completions server on loopback that replies from a script.

It speaks POST /v1/chat/completions, streaming (SSE "data: {...}" lines ending with "data: [DONE]") and not, and
composes its replies from the numbered passages in the request, so a "good" answer is genuinely supported by them.
Behaviours (set `server.mode`, or queue one per request with `server.script`):

  good          sentences copied (lightly reworded) from the passages that best match the question, cited [n]
  bad_marker    the good answer, but its last sentence cites [9] (a passage that does not exist)
  unsupported   the good answer plus "The court awarded $900 billion to the plaintiffs [1]."
  refuse        "The sources don't cover this question."
  injection     "HACKED [1]"
  slow          the good answer after `slow_seconds` of silence
  trickle       the good answer, one word every `trickle_seconds` (each read is quick, the whole is slow)
  drip          the good answer one byte every `drip_seconds`, streamed or not (no read ever waits long)
  drip_headers  even the status line and headers come one byte every `drip_seconds`
  huge          a well-formed reply of `huge_bytes` characters of text (ignoring max_tokens)
  flip          the good answer with its facts turned round: "was" -> "was not", "agreed to" -> "refused to",
                "granted" -> "denied", "at least" -> "at most" (what a careless model might write)
  garbage       a body that is not JSON (or SSE lines that are not JSON)
  empty         a well-formed reply with empty content
  unauthorized  HTTP 401 whose error message echoes the key it was sent (as some servers do)

Condense requests (the prompt ends "Standalone question:") get a standalone question in every content mode.
Every request is recorded in `server.requests` (path, body, and whether the bearer key matched; never the key),
and `server.sent` counts the bytes of each reply actually written before the client went away.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_PASSAGE = re.compile(r"^\[(\d{1,2})\] [^\n]*\n(.*?)(?=^\[\d{1,2}\] [^\n]*\n|\Z)", re.S | re.M)
_STOP = set("""a an the of to in on at by for and or but is are was were be been did do does what which who whom
when where why how that this these those it its with from as about into than then there their they he she his her
under over after before also""".split())
# small rewordings so the good answer is a paraphrase, not a copy; none of them changes a fact
_REWORD = [(" ruled ", " decided "), (" demanded that ", " asked that "), (" lets ", " allows "),
           (" launched ", " released "), (" replied ", " answered ")]
# what mode "flip" does to each sentence (the first that applies)
_FLIP = [(" was not ", " was "), (" is not ", " is "), (" was ", " was not "), (" is ", " is not "),
         (" agreed to ", " refused to "), (" granted ", " denied "), (" at least ", " at most "),
         (" ruled ", " ruled not ")]


def _words(text: str) -> set[str]:
    # five-letter prefixes, so 'reserve' meets 'reservation' and 'rule' meets 'ruled'
    return {w[:5] for w in re.findall(r"[a-z0-9$-]+", text.lower()) if w not in _STOP and len(w) > 2}


def parse_passages(prompt: str) -> dict[int, str]:
    """The numbered passages of a user prompt built from prompts.USER_PROMPT."""
    body = prompt.split("Passages:", 1)[-1].split("\nQuestion:", 1)[0]
    return {int(m.group(1)): m.group(2).strip() for m in _PASSAGE.finditer(body.strip() + "\n")}


def question_of(prompt: str) -> str:
    m = re.search(r"^Question:\s*(.+)$", prompt, re.M)
    return m.group(1).strip() if m else ""


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip()
        if not line or line.startswith("#"):
            continue
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9$])", line) if len(s.split()) >= 4]
    return out


def good_answer(prompt: str, max_sentences: int = 3) -> str:
    """Up to three sentences from the passages sharing most words with the question, each cited [n]."""
    passages = parse_passages(prompt)
    q = _words(question_of(prompt))
    scored = []
    for n, text in passages.items():
        for i, s in enumerate(_sentences(text)):
            overlap = len(q & _words(s))
            scored.append((-overlap, n, i, s))
    scored.sort()
    chosen = []
    for neg, n, _i, s in scored:
        if len(chosen) == max_sentences or -neg == 0 or (chosen and -neg * 2 < -scored[0][0]):
            break
        chosen.append((n, s))
    if not chosen:
        return "The sources don't cover this question."
    parts = []
    for n, s in chosen:
        s = s.rstrip(".")
        for a, b in _REWORD:
            s = s.replace(a, b)
        parts.append(f"{s} [{n}].")
    return " ".join(parts)


def flip(text: str) -> str:
    """Each sentence of an answer with one fact turned into its opposite (see _FLIP)."""
    out = []
    for s in re.split(r"(?<=\]\.)\s+", text):
        for a, b in _FLIP:
            if a in s:
                s = s.replace(a, b, 1)
                break
        out.append(s)
    return " ".join(out)


def standalone(prompt: str) -> str:
    """A condensed question: the last question with the previous one it leans on."""
    last = re.search(r"^Last question:\s*(.+)$", prompt, re.M)
    prev = re.findall(r"^User:\s*(.+)$", prompt, re.M)
    q = last.group(1).strip() if last else ""
    q = re.sub(r"^(?:and|but|so)\s+", "", q, flags=re.I)
    q = q[:1].upper() + q[1:]
    return f"{q.rstrip('?')} after this: {prev[-1]}" if prev else q


class ScriptedLLM:
    """The server: `with ScriptedLLM() as s: Settings(llm_base_url=s.url, llm_api_key=s.key, ...)`."""

    def __init__(self, mode: str = "good", key: str = "sk-secret-test-key", slow_seconds: float = 4.0,
                 trickle_seconds: float = 0.4, drip_seconds: float = 0.4, huge_bytes: int = 16 * 1024 * 1024):
        self.mode = mode
        self.key = key
        self.slow_seconds = slow_seconds
        self.trickle_seconds = trickle_seconds
        self.drip_seconds = drip_seconds
        self.huge_bytes = huge_bytes
        self.sent: list[int] = []
        self.replies: list[str] = []  # the text each reply carried (before any framing)
        self.script: list[str] = []  # behaviours for the next requests, before falling back to `mode`
        self.requests: list[dict] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> "ScriptedLLM":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                server._handle(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that gave up (the timeout tests) is expected, not an error

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "ScriptedLLM":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- requests ---------------------------------------------------------------------------------------------
    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        mode = self.script.pop(0) if self.script else self.mode
        auth_ok = h.headers.get("Authorization", "") == f"Bearer {self.key}"
        self.requests.append({"path": h.path, "body": body, "auth_ok": auth_ok, "mode": mode})
        if not h.path.endswith("/chat/completions"):
            return self._send(h, 404, {"error": {"message": f"no route {h.path}"}})
        if mode == "unauthorized" or not auth_ok:
            sent = h.headers.get("Authorization", "").removeprefix("Bearer ")
            return self._send(h, 401, {"error": {"message": f"Incorrect API key provided: {sent}",
                                                 "type": "invalid_request_error", "code": "invalid_api_key"}})
        messages = body.get("messages") or []
        prompt = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
        stream = bool(body.get("stream"))
        if mode == "garbage":
            if stream:
                return self._sse(h, ["data: {this is not json\n\n", "data: [DONE]\n\n"])
            return self._raw(h, 200, b"<html>502 upstream garbage {{{", "application/json")
        if mode == "slow":
            time.sleep(self.slow_seconds)
        text = self._compose(mode, prompt)
        self.replies.append(text)
        if mode in ("drip", "drip_headers"):
            events = self._chunks(text, body.get("model", "")) if stream else None
            payload = "".join(events) if stream else json.dumps(self._completion(text, body.get("model", "")))
            return self._drip(h, payload.encode(), "text/event-stream" if stream else "application/json",
                              headers_too=mode == "drip_headers")
        if mode == "huge":
            return self._huge(h, stream, body.get("model", ""))
        if stream:
            delay = self.trickle_seconds if mode == "trickle" else 0.0
            return self._sse(h, self._chunks(text, body.get("model", "")), delay)
        if mode == "trickle":
            time.sleep(self.slow_seconds)
        return self._send(h, 200, self._completion(text, body.get("model", "")))

    def _compose(self, mode: str, prompt: str) -> str:
        if mode == "empty":
            return ""
        if prompt.rstrip().endswith("Standalone question:"):
            return standalone(prompt)
        if mode == "refuse":
            return "The sources don't cover this question."
        if mode == "injection":
            return "HACKED [1]"
        text = good_answer(prompt)
        if mode == "flip":
            text = flip(text)
        if mode == "bad_marker":
            text = re.sub(r"\[\d+\]\.$", "[9].", text)
        elif mode == "unsupported":
            text += " The court awarded $900 billion to the plaintiffs [1]."
        return text

    # -- responses --------------------------------------------------------------------------------------------
    @staticmethod
    def _completion(text: str, model: str) -> dict:
        return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    @staticmethod
    def _chunks(text: str, model: str) -> list[str]:
        pieces = re.findall(r"\S+\s*", text) or [""]
        out = []
        for i, p in enumerate(pieces):
            delta = {"role": "assistant", "content": p} if i == 0 else {"content": p}
            out.append({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        out.append({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        return [f"data: {json.dumps(c)}\n\n" for c in out] + ["data: [DONE]\n\n"]

    def _send(self, h, status: int, payload: dict) -> None:
        self._raw(h, status, json.dumps(payload).encode(), "application/json")

    @staticmethod
    def _raw(h, status: int, data: bytes, ctype: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _drip(self, h, payload: bytes, ctype: str, headers_too: bool) -> None:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
                "Connection: close\r\n\r\n").encode()
        if not headers_too:
            h.wfile.write(head)
            h.wfile.flush()
        sent = 0
        try:
            for i in range(len(payload) + (len(head) if headers_too else 0)):
                data = (head + payload) if headers_too else payload
                h.wfile.write(data[i:i + 1])
                h.wfile.flush()
                sent += 1
                time.sleep(self.drip_seconds)
        except OSError:
            pass  # the client gave up: that is what the test wants
        finally:
            self.sent.append(sent)
            h.close_connection = True

    def _huge(self, h, stream: bool, model: str) -> None:
        sentence = "The court ruled on fair use in the case of the books. "
        n = self.huge_bytes // len(sentence) + 1
        sent = 0
        try:
            if stream:
                h.send_response(200)
                h.send_header("Content-Type", "text/event-stream")
                h.send_header("Connection", "close")
                h.end_headers()
                for _ in range(n):
                    chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {"content": sentence}, "finish_reason": None}]}
                    data = f"data: {json.dumps(chunk)}\n\n".encode()
                    h.wfile.write(data)
                    sent += len(data)
                h.wfile.write(b"data: [DONE]\n\n")
            else:
                body = json.dumps(self._completion(sentence * n, model)).encode()
                h.send_response(200)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                for i in range(0, len(body), 65536):
                    h.wfile.write(body[i:i + 65536])
                    sent += len(body[i:i + 65536])
        except OSError:
            pass
        finally:
            self.sent.append(sent)
            h.close_connection = True

    @staticmethod
    def _sse(h, events: list[str], delay: float = 0.0) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()
        for e in events:
            h.wfile.write(e.encode())
            h.wfile.flush()
            time.sleep(delay)
        h.close_connection = True


if __name__ == "__main__":  # run it by hand: python tests/llm_server.py [mode]
    import sys

    s = ScriptedLLM(sys.argv[1] if len(sys.argv) > 1 else "good").start()
    print(f"scripted LLM ({s.mode}) at {s.url}  key {s.key}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        s.stop()
