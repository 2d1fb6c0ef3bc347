"""The optional LLM: answers from numbered passages through llama-index, and every citation is checked in code.

settings.llm picks the model: "extractive" (none), "openai:MODEL" (any OpenAI-compatible server: OpenAI, vLLM,
llama.cpp's server, LM Studio) or "ollama:MODEL". Any failure (timeout, refused connection, bad key, malformed
reply, nothing verifiable) raises LLMError with a short reason built only from safe values, so the API key can
never reach a message, a log line or an eval report; Assistant.ask then keeps the extractive answer.

Every call is bounded as a whole, not only per read: the HTTP client's network streams check one deadline and one
byte budget per call (a server dripping a byte at a time, headers included, or sending megabytes is cut off), the
request asks for at most settings.llm_max_tokens tokens, and a reply with more pieces or text than that allows is
cut too.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

from . import prompts
from .citations import (
    Support, answer_sentences, check_answer, markers, normalize_markers, passage_windows, renumber, states_fact,
    strip_markers, support,
)
from .errors import LLMError
from .embedding import Embedder
from .settings import LLM_PROVIDERS, Settings
from .types import Answer, Citation, Hit

log = logging.getLogger(__name__)

PROVIDERS = LLM_PROVIDERS
DEFAULT_OPENAI_BASE = "https://api.openai.com/v1"
DEFAULT_OLLAMA_HOST = "http://localhost:11434"
CONDENSE_TIMEOUT = 15.0  # seconds: condensing only sharpens retrieval, so it must not hold the answer up for long
CHARS_PER_TOKEN = 8  # reply text allowed per token of llm_max_tokens (English averages ~4 characters a token)
HISTORY_TURNS = 3  # conversation turns shown to the condenser
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)  # reasoning models' scratchpad is not the answer
_REFERENCES = re.compile(r"^\W*(?:sources|references|citations)\W*$", re.I | re.M)
_BULLET = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")


@dataclass(frozen=True)
class LLMConfig:
    """Which model to call and where; the key is kept out of repr()."""

    provider: str
    model: str
    base_url: str
    api_key: str = field(default="", repr=False)
    timeout: float = 60.0
    max_tokens: int = 1024
    max_reply_bytes: int = 1024 * 1024

    @property
    def safe_url(self) -> str:
        """The base URL without any user:password@ part, for messages."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _secret(value: Any) -> str:
    if value is None:
        return ""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def parse(settings) -> LLMConfig | None:
    """The LLM configured by settings.llm (None for extractive; Settings refuses a malformed value)."""
    spec = (settings.llm or "extractive").strip()
    if spec.lower() == "extractive":
        return None
    provider, _sep, model = spec.partition(":")  # Settings checked the form (settings.Settings._llm_spec)
    provider, model = provider.strip().lower(), model.strip()
    key = _secret(settings.llm_api_key)
    if provider == "openai":
        base = settings.llm_base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_OPENAI_BASE
        key = key or os.environ.get("OPENAI_API_KEY", "")
    else:
        base = settings.llm_base_url or os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA_HOST
    if "://" not in base:  # OLLAMA_HOST is often written host:port
        base = f"http://{base}"
    return LLMConfig(provider, model, base.rstrip("/"), key, float(settings.llm_timeout),
                     int(settings.llm_max_tokens), int(settings.llm_max_reply_kb * 1024))


# -- calling the model ----------------------------------------------------------------------------------------
_MODELS: dict[tuple, Any] = {}
_MODELS_LOCK = threading.Lock()


# -- the per-call budget: one deadline and one byte count for everything a call reads ---------------------------
class ReplyTooLarge(Exception):
    """The reply went over the byte, token or text budget of the call."""


class DeadlineExceeded(TimeoutError):
    """The call's total deadline passed."""


@dataclass
class _Budget:
    deadline: float  # time.monotonic() value
    max_bytes: int
    read: int = 0
    streams: list = field(default_factory=list)  # the connections this call read from


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("llm_budget", default=None)


def _left(timeout: float | None) -> float | None:
    """The timeout for one network operation: never past the current call's deadline."""
    b = _BUDGET.get()
    if b is None:
        return timeout
    left = b.deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded
    return left if timeout is None else min(timeout, left)


def _guarded_backend(inner):
    """An httpcore network backend whose streams obey the current call's deadline and byte budget."""
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, stream):
            self._stream = stream

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            data = self._stream.read(max_bytes, _left(timeout))
            b = _BUDGET.get()
            if b is not None:
                if self not in b.streams:
                    b.streams.append(self)
                b.read += len(data)
                if b.read > b.max_bytes:
                    raise ReplyTooLarge
            return data

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._stream.write(buffer, _left(timeout))

        def close(self) -> None:
            self._stream.close()

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            return Stream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

        def get_extra_info(self, info: str):
            return self._stream.get_extra_info(info)

    class Backend(httpcore.NetworkBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            return Stream(inner.connect_tcp(host, port, _left(timeout), local_address, socket_options))

        def connect_unix_socket(self, path, timeout=None, socket_options=None):
            return Stream(inner.connect_unix_socket(path, _left(timeout), socket_options))

        def sleep(self, seconds: float) -> None:
            inner.sleep(seconds)

    return Backend()


def http_client(base_url: str, timeout: float, headers: dict[str, str] | None = None):
    """An httpx client for the LLM server whose every read and write is bounded by the current call's budget
    (environment proxies are kept)."""
    import urllib.request

    import httpx

    host = httpx.URL(base_url).host
    proxy = None
    if not urllib.request.proxy_bypass(host):
        proxies = urllib.request.getproxies()
        proxy = proxies.get(httpx.URL(base_url).scheme) or proxies.get("all")
    transport = httpx.HTTPTransport(proxy=proxy, retries=0)
    pool = transport._pool  # httpx builds the pool; only its network backend is swapped
    pool._network_backend = _guarded_backend(pool._network_backend)
    return httpx.Client(transport=transport, timeout=timeout, headers=headers)


def _model(cfg: LLMConfig, timeout: float):
    """The llama-index LLM for a config, built on first use and reused (it keeps its HTTP connections)."""
    key = (cfg.provider, cfg.model, cfg.base_url, hashlib.sha256(cfg.api_key.encode()).hexdigest(), timeout,
           cfg.max_tokens)
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = _build(cfg, timeout)
        return _MODELS[key]


def _build(cfg: LLMConfig, timeout: float):
    if cfg.provider == "openai":
        try:
            import openai.resources  # noqa: F401 - the SDK imports it on the first request: not part of a call's time
            from llama_index.llms.openai_like import OpenAILike
        except ImportError:
            raise LLMError(prompts.LLM_REASON_NOT_INSTALLED.format(package="llama-index-llms-openai-like")) from None
        # retries would multiply the wait before falling back; local servers accept any key
        return OpenAILike(model=cfg.model, api_base=cfg.base_url, api_key=cfg.api_key or "not-needed",
                          is_chat_model=True, is_function_calling_model=False, max_retries=0, timeout=timeout,
                          temperature=0.1, max_tokens=cfg.max_tokens,
                          http_client=http_client(cfg.base_url, timeout))
    try:
        from llama_index.llms.ollama import Ollama
        from ollama import Client
    except ImportError:
        raise LLMError(prompts.LLM_REASON_NOT_INSTALLED.format(package="llama-index-llms-ollama")) from None
    headers = {"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else None
    # the ollama client passes extra keywords to its httpx client: the transport carries the call's budget
    client = Client(host=cfg.base_url, timeout=timeout, headers=headers,
                    transport=http_client(cfg.base_url, timeout)._transport)
    return Ollama(model=cfg.model, base_url=cfg.base_url, request_timeout=timeout, headers=headers, temperature=0.1,
                  additional_kwargs={"num_predict": cfg.max_tokens}, client=client)


def _status(exc: BaseException) -> int | None:
    for name in ("status_code", "status"):
        v = getattr(exc, name, None)
        if isinstance(v, int) and 100 <= v < 600:
            return v
    resp = getattr(exc, "response", None)
    v = getattr(resp, "status_code", None)
    return v if isinstance(v, int) else None


def describe_error(exc: BaseException, cfg: LLMConfig, timeout: float) -> str:
    """A short reason for a failed call, made only of safe values (never the exception's text: it may echo
    the key or the request headers)."""
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain and len(chain) < 12:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    kinds = " ".join(type(e).__name__ for e in chain)
    status = next((s for s in map(_status, chain) if s), None)
    if any(isinstance(e, ReplyTooLarge) for e in chain):
        return prompts.LLM_REASON_TOO_LONG.format(tokens=cfg.max_tokens, kb=f"{cfg.max_reply_bytes / 1024:g}")
    if any(isinstance(e, TimeoutError) for e in chain) or "Timeout" in kinds:
        return prompts.LLM_REASON_TIMEOUT.format(seconds=f"{timeout:g}")
    if status in (401, 403) or "AuthenticationError" in kinds or "PermissionDenied" in kinds:
        return prompts.LLM_REASON_AUTH.format(status=status or 401)
    if status == 404:
        return prompts.LLM_REASON_NOT_FOUND.format(url=cfg.safe_url, model=cfg.model)
    if status and status >= 300:
        return prompts.LLM_REASON_STATUS.format(status=status)
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in " ".join(
            str(getattr(e, "strerror", "") or "") for e in chain).lower():
        return prompts.LLM_REASON_REFUSED.format(url=cfg.safe_url)
    if any(isinstance(e, ConnectionError) for e in chain) or "Connect" in kinds:
        return prompts.LLM_REASON_CONNECT.format(url=cfg.safe_url)
    if any(isinstance(e, (ValueError, KeyError, TypeError, AttributeError, IndexError)) for e in chain) or \
            "Validation" in kinds or "Decode" in kinds:
        return prompts.LLM_REASON_MALFORMED.format(url=cfg.safe_url)
    return prompts.LLM_REASON_OTHER.format(kind=type(exc).__name__)


def _fail(exc: BaseException, cfg: LLMConfig, timeout: float) -> LLMError:
    reason = describe_error(exc, cfg, timeout)
    log.warning("LLM %s:%s at %s failed: %s", cfg.provider, cfg.model, cfg.safe_url, reason)
    return LLMError(reason)


def chat(cfg: LLMConfig, messages: list[tuple[str, str]], on_token: Callable[[str], None] | None = None,
         timeout: float | None = None) -> str:
    """Send (role, content) messages and return the reply text (streamed to on_token when given); LLMError on
    any failure. The timeout bounds the whole call, every read and write of it included, and the reply is cut
    (LLMError) past cfg.max_reply_bytes on the wire, cfg.max_tokens streamed pieces or CHARS_PER_TOKEN characters
    a token of text."""
    timeout = timeout or cfg.timeout
    max_chars = cfg.max_tokens * CHARS_PER_TOKEN
    try:
        from llama_index.core.llms import ChatMessage

        llm = _model(cfg, timeout)  # imports and builds the client on first use: not part of the call's time
        msgs = [ChatMessage(role=role, content=content) for role, content in messages]
    except LLMError:
        raise
    except Exception as e:
        raise _fail(e, cfg, timeout) from None
    budget = _Budget(time.monotonic() + timeout, cfg.max_reply_bytes)
    token = _BUDGET.set(budget)
    stream = None
    done = False
    try:
        try:
            if on_token is None:
                resp = llm.chat(msgs)
                text = resp.message.content
                if text is not None and not isinstance(text, str):
                    raise TypeError("reply content is not text")
                if text and len(text) > max_chars:
                    raise ReplyTooLarge
                done = True
                return text or ""
            stream = iter(llm.stream_chat(msgs))
        except LLMError:
            raise
        except Exception as e:
            raise _fail(e, cfg, timeout) from None
        parts: list[str] = []
        chars = 0
        while True:
            try:
                r = next(stream)
                delta = r.delta or ""
                if not isinstance(delta, str):
                    raise TypeError("streamed delta is not text")
                if time.monotonic() > budget.deadline:
                    raise DeadlineExceeded
                chars += len(delta)
                if len(parts) >= cfg.max_tokens or chars > max_chars:
                    raise ReplyTooLarge  # a server that ignores max_tokens is cut off here
            except StopIteration:
                break
            except Exception as e:
                raise _fail(e, cfg, timeout) from None
            if delta:
                parts.append(delta)
                on_token(delta)  # the caller's own errors are not the model's: let them through
        done = True
        return "".join(parts)
    finally:
        if not done:
            # a call cut short must not leave its connection open, still receiving what the server sends
            for st in budget.streams:
                try:
                    st.close()
                except Exception:
                    pass
        _BUDGET.reset(token)


# -- follow-ups -----------------------------------------------------------------------------------------------
def condense(settings: Settings, question: str, history: list[dict]) -> str:
    """A standalone question for retrieval, written by the model from the conversation; LLMError on failure."""
    cfg = parse(settings)
    turns = [h for h in history or [] if h.get("question")][-HISTORY_TURNS:]
    if cfg is None or not turns:
        return question
    convo = "\n".join(prompts.HISTORY_TURN.format(question=" ".join(h["question"].split()),
                                                  answer=_shorten(strip_markers(h.get("answer") or ""), 600))
                      for h in turns)
    reply = chat(cfg, [("user", prompts.CONDENSE_PROMPT.format(history=convo, question=question))],
                 timeout=min(cfg.timeout, CONDENSE_TIMEOUT))
    q = _THINK.sub("", reply).strip()
    q = next((ln.strip() for ln in q.splitlines() if ln.strip()), "")
    q = re.sub(r"^(?:standalone question|rewritten question|question)\s*:\s*", "", q, flags=re.I).strip(" \"'`")
    if not q or len(q) > settings.max_question_chars:
        return f"{turns[-1]['question']} {question}"
    return q


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


# -- answering ------------------------------------------------------------------------------------------------
def _source_line(h: Hit) -> str:
    title = h.meta.get("title") or h.chunk.title or h.chunk.source_id
    parts = [title] + ([h.chunk.section] if h.chunk.section and h.chunk.section != title else [])
    date = h.meta.get("date")
    return " - ".join(parts) + (f" ({date})" if date else "")


def format_passages(hits: list[Hit]) -> str:
    """The numbered passages [1..n] as the model sees them."""
    return "\n\n".join(prompts.PASSAGE.format(n=i, source=_source_line(h), text=h.chunk.text.strip())
                       for i, h in enumerate(hits, start=1))


def messages_for(question: str, hits: list[Hit]) -> list[tuple[str, str]]:
    """The system and user messages for answering a question from its passages."""
    return [("system", prompts.SYSTEM_PROMPT),
            ("user", prompts.USER_PROMPT.format(passages=format_passages(hits), question=question))]


def generate(settings: Settings, embedder: Embedder, document_text: Callable[[str], str], question: str,
             hits: list[Hit], on_token: Callable[[str], None] | None = None) -> Answer:
    """The model's answer from the numbered passages, kept only as far as its citations verify; LLMError when
    the model fails or nothing it says can be verified. `document_text` gives a source id's full text, which
    every quote is checked against."""
    cfg = parse(settings)
    if cfg is None or not hits:
        raise LLMError(prompts.LLM_REASON_DECLINED)
    reply = chat(cfg, messages_for(question, hits), on_token=on_token)
    return verify_reply(embedder, document_text, question, hits, reply)


def support_table(embedder, claims: list[str], passages: list[tuple[str, str]],
                  pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Support]:
    """Support of claim i by passage j (text, context) for each requested (i, j), embedding everything once."""
    if not pairs:
        return {}
    wanted_c = sorted({i for i, _ in pairs})
    wanted_p = sorted({j for _, j in pairs})
    windows = {j: passage_windows(passages[j][0]) for j in wanted_p}
    texts = [claims[i] for i in wanted_c]
    offsets: dict[int, int] = {}
    singles: dict[int, int] = {}
    for j in wanted_p:
        offsets[j] = len(texts)
        texts += [" ".join(passages[j][0][s:e].split()) for s, e, n in windows[j] if n == 1]
        singles[j] = len(texts) - offsets[j]
    vecs = embedder.embed(texts)
    cvec = {i: vecs[k] for k, i in enumerate(wanted_c)}
    out = {}
    for i, j in pairs:
        out[(i, j)] = support(claims[i], cvec[i], passages[j][0], windows[j],
                              vecs[offsets[j]:offsets[j] + singles[j]], context=passages[j][1])
    return out


def _declined(text: str) -> bool:
    flat = " ".join(text.replace("\u2019", "'").lower().split())
    return prompts.REFUSAL.lower().rstrip(".") in flat and not markers(text)


def _clean(reply: str) -> str:
    text = normalize_markers(_THINK.sub("", reply or "")).strip()
    m = _REFERENCES.search(text)
    if m and m.start() > 0:  # a trailing list of sources repeats the passages; the citations replace it
        text = text[:m.start()].rstrip()
    return text


def verify_reply(embedder: Embedder, document_text: Callable[[str], str], question: str, hits: list[Hit],
                 reply: str) -> Answer:
    """Keep the sentences of a model's reply that their passages support, each citing the verbatim span that
    matches it best; drop markers that point nowhere; say what was removed."""
    text = _clean(reply)
    if not text:
        raise LLMError(prompts.LLM_REASON_EMPTY)
    if _declined(text):
        raise LLMError(prompts.LLM_REASON_DECLINED)
    n = len(hits)
    sentences: list[tuple[int, int, str, list[int]]] = []
    dropped = 0
    for s, e, cited in answer_sentences(text):
        valid = list(dict.fromkeys(c for c in cited if 1 <= c <= n))
        dropped += sum(1 for c in cited if not 1 <= c <= n)
        plain = strip_markers(text[s:e])
        if plain:
            sentences.append((s, e, plain, valid))
    # which sentence to check against which passage: its citations, or every passage for an uncited claim
    pairs: set[tuple[int, int]] = set()
    for i, (_s, _e, plain, valid) in enumerate(sentences):
        if valid:
            pairs |= {(i, c - 1) for c in valid}
        elif states_fact(plain):
            pairs |= {(i, j) for j in range(n)}
    passages = [(h.chunk.text, _source_line(h)) for h in hits]
    table = support_table(embedder, [p for _s, _e, p, _v in sentences], passages, pairs)

    removed = 0
    kept: list[tuple[int, int, str, list[tuple[int, Support]]]] = []
    for i, (s, e, plain, valid) in enumerate(sentences):
        if valid:
            ok = [(c - 1, table[(i, c - 1)]) for c in valid if table[(i, c - 1)].supported]
        elif states_fact(plain):
            # an uncited claim is kept only when a passage supports it, and then it cites that passage
            found = [(j, table[(i, j)]) for j in range(n) if table[(i, j)].supported]
            ok = sorted(found, key=lambda x: -(x[1].similarity + x[1].overlap))[:1]
        else:
            kept.append((s, e, plain, []))  # a connective sentence ("In short:") asserts nothing to check
            continue
        if ok:
            kept.append((s, e, plain, ok))
        else:
            removed += 1

    citations: dict[tuple[str, int, int], Citation] = {}
    out: list[str] = []
    prev_end = 0
    for s, e, plain, ok in kept:
        nums: list[int] = []
        for j, sup in ok:
            c = _citation(document_text, hits[j], sup.span, citations)
            if c is not None:
                nums.append(c.n)
        if ok and not nums:
            removed += 1  # its quote could not be found in the document: never show it
            continue
        line_start = text.rfind("\n", 0, s) + 1
        bullet = text[line_start:s] if _BULLET.fullmatch(text[line_start:s]) else ""
        sep = "\n" if out and ("\n" in text[prev_end:s] or bullet) else " " if out else ""
        marks = "".join(f"[{m}]" for m in dict.fromkeys(nums))
        out.append(f"{sep}{bullet}{plain}{' ' + marks if marks else ''}")
        prev_end = e
    if not citations:
        raise LLMError(prompts.LLM_REASON_UNSUPPORTED)
    final, cited = renumber("".join(out), list(citations.values()))
    notices = []
    if removed:
        notices.append(prompts.UNSUPPORTED_REMOVED.format(n=removed))
    if dropped:
        notices.append(prompts.MARKERS_DROPPED.format(n=dropped))
    answer = Answer(question=question, text=final, citations=cited, hits=hits, mode="llm", notice=" ".join(notices))
    problems = check_answer(answer, {c.source_id: document_text(c.source_id) for c in cited})
    if problems:  # cannot happen if the code above is right; never show an unchecked citation if it is not
        log.warning("LLM answer failed its final citation check: %d problem(s)", len(problems))
        raise LLMError(prompts.LLM_REASON_UNSUPPORTED)
    return answer


def _citation(document_text: Callable[[str], str], h: Hit, span: tuple[int, int] | None, citations: dict) -> Citation | None:
    """The citation for a span of a passage (shared by sentences quoting the same span), with document offsets;
    None when the span cannot be found verbatim in the document's text."""
    if span is None:
        return None
    quote = h.chunk.text[span[0]:span[1]]
    start, end = h.chunk.start + span[0], h.chunk.start + span[1]
    doc = document_text(h.chunk.source_id)
    if doc[start:end] != quote:
        found = doc.find(quote)
        if not quote or found < 0:
            return None
        start, end = found, found + len(quote)
    key = (h.chunk.source_id, start, end)
    if key not in citations:
        m = h.meta
        citations[key] = Citation(
            n=len(citations) + 1, source_id=h.chunk.source_id, title=m.get("title") or h.chunk.title,
            date=m.get("date", ""), url=m.get("url", ""), path=m.get("path", ""), section=h.chunk.section,
            quote=quote, score=round(float(h.dense_score or 0.0), 4), type=m.get("doc_type", ""),
            jurisdiction=m.get("jurisdiction", ""), page=h.chunk.page, start=start, end=end, verified=True,
        )
    return citations[key]
