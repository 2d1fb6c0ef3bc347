"""One settings object: every field has a default that works offline and an ASSISTANT_* environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


LLM_PROVIDERS = ("openai", "ollama")


class Settings(BaseSettings):
    """Configuration for indexing, retrieval, answering and serving."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    index_dir: Path = Field(Path("index"), description="Directory holding the Chroma index and its side files.")
    chroma_host: str | None = Field(None, description="Chroma server host; when set, a server is used instead of index_dir.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    collection: str = Field("chunks", description="Name of the Chroma collection for chunks.")
    k: int = Field(5, ge=1, le=50, description="Number of passages used to compose an answer.")
    candidates: int = Field(30, ge=1, le=500, description="Candidates taken from each retriever before fusion.")
    exact_dense_max: int = Field(
        50000, ge=0, description="Up to this many chunks, the dense search is exact (every vector, in memory: ~1.5 KB "
                                 "a chunk); above it, Chroma's approximate (HNSW) search.")
    retriever: Literal["dense", "bm25", "hybrid"] = Field("hybrid", description="dense | bm25 | hybrid")
    lexical: Literal["bm25", "fts5"] = Field(
        "bm25", description="The keyword index: bm25 (ours, in memory; the default) | fts5 (SQLite FTS5: the same "
                            "quality, slower searches; `assistant bench --only lexical` compares them)")
    embedder: Literal["minilm", "minilm-torch", "minilm-onnx-int8"] = Field(
        "minilm", description="minilm (onnxruntime, exported once from the bundled weights) | minilm-torch (the same "
                              "model and vectors on torch) | minilm-onnx-int8 (quantised: faster, needs its own index)")
    onnx_cache: Path | None = Field(
        None, description="Folder for the ONNX models exported on first use; default ~/.cache/assistant/onnx.")
    embed_batch_size: int = Field(64, ge=1, description="Texts embedded per batch.")
    max_chunk_chars: int = Field(1000, ge=200, description="Longest chunk, in characters, before a section is split.")
    max_file_mb: float = Field(20.0, gt=0, description="Largest source file accepted, in MB.")
    max_pages_per_file: int = Field(
        2000, ge=1, description="Most pages read from one PDF; a longer one is refused before its text is read.")
    max_chunks_per_file: int = Field(
        5000, ge=1, description="Most chunks one file may make; a file that makes more is refused.")
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted, in characters.")
    min_relevance: float = Field(0.30, description="Best passage's cosine similarity below which the answerer refuses.")
    llm: str = Field("extractive", description="extractive | openai:MODEL (OpenAI-compatible server) | ollama:MODEL")
    llm_base_url: str | None = Field(
        None, description="LLM server URL; else OPENAI_BASE_URL (openai:) or OLLAMA_HOST (ollama:).")
    llm_api_key: SecretStr | None = Field(
        None, description="API key for the LLM server; else OPENAI_API_KEY. Never logged or shown.")
    llm_timeout: float = Field(
        60.0, gt=0, description="Seconds an LLM call may take in all (not per read) before falling back.")
    llm_max_tokens: int = Field(
        1024, ge=16, description="Tokens an LLM reply may have (sent as max_tokens / num_predict; longer is cut).")
    llm_max_reply_kb: float = Field(
        1024.0, gt=0, description="Largest LLM reply read from the server, in KB (framing included); more is cut.")
    host: str = Field("127.0.0.1", description="Web app host.")
    port: int = Field(7860, description="Web app port.")
    auth: SecretStr | None = Field(None, description="user:password for the web app (optional; never shown).")
    max_upload_mb: float = Field(10.0, gt=0, description="Largest file accepted by the web upload, in MB.")
    concurrency: int = Field(4, ge=1, description="Requests the web app answers at once.")
    upload_cache_seconds: int = Field(
        3600, ge=1, description="Seconds the web app keeps files in Gradio's temporary upload folder at most.")
    login_attempts: int = Field(
        5, ge=1, description="Failed web logins allowed from one address before it has to wait.")
    login_lockout: float = Field(
        30.0, gt=0, description="Seconds the first login lockout lasts; each further failure doubles it (to 15 min).")
    client_address_header: str | None = Field(
        None, description="Behind a reverse proxy: the header holding the client's address (e.g. X-Forwarded-For), "
                          "for the login throttle. Set it only when the proxy overwrites that header.")
    sources_dir: Path = Field(Path("sources"), description="Folder ingested by `make run` on first use.")

    @field_validator("retriever", "embedder", "llm", mode="before")
    @classmethod
    def _tidy(cls, v):
        """' Hybrid ' is hybrid; 'MiniLM' is minilm (a model name after 'openai:' keeps its case)."""
        if not isinstance(v, str):
            return v
        v = v.strip()
        head, sep, rest = v.partition(":")
        return f"{head.strip().lower()}{sep}{rest.strip()}" if sep else v.lower()

    @field_validator("llm")
    @classmethod
    def _llm_spec(cls, v: str) -> str:
        provider, sep, model = v.partition(":")
        if v != "extractive" and not (sep and provider in LLM_PROVIDERS and model):
            raise ValueError("use extractive, openai:MODEL (an OpenAI-compatible server) or ollama:MODEL")
        return v

    def with_overrides(self, **kw) -> "Settings":
        """A copy with the given non-None fields replaced, validated like the rest (a bad --llm or --retriever is
        reported by settings_error, naming the setting)."""
        update = {k: v for k, v in kw.items() if v is not None}
        if not update:
            return self
        return type(self).model_validate({**{k: getattr(self, k) for k in type(self).model_fields}, **update})


def choices(field: str) -> tuple[str, ...]:
    """The values a Literal setting allows (the CLI's --retriever choices come from here)."""
    return get_args(Settings.model_fields[field].annotation)


def settings_error(e) -> str:
    """A pydantic ValidationError as one line naming the ASSISTANT_* variable and its bad value."""
    parts = []
    for err in e.errors():
        field = ".".join(str(x) for x in err.get("loc", ()))
        value = err.get("input")
        shown = "***" if field in ("auth", "llm_api_key") else repr(value)
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"ASSISTANT_{field.upper()}={shown}: {msg}")
    return "invalid setting " + "; ".join(parts)
