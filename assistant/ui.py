"""Gradio Blocks built around an Assistant: formats Answers; all retrieval and answering stay in the library."""

from __future__ import annotations

import html
import sys
from typing import Any

import gradio as gr

from .answering import Assistant
from .errors import AssistantError
from .settings import Settings
from .types import Answer


def format_sources_text(answer: Answer) -> str:
    """The numbered source list in plain text (used by the /chat API)."""
    lines = []
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.title} ({c.source_id}, {c.date or 'undated'}) - {c.section}\n"
                     f"    \"{' '.join(c.quote.split())}\"" + (f"\n    {c.url}" if c.url else ""))
    return "\n".join(lines)


def format_answer_text(answer: Answer) -> str:
    """Answer text followed by its numbered sources, for API callers."""
    src = format_sources_text(answer)
    return f"{answer.text}\n\nSources:\n{src}" if src else answer.text


def format_sources_html(answer: Answer | None) -> str:
    """The sources panel: one card per citation with title, type, date, jurisdiction, section, quote and link."""
    if answer is None:
        return "<div class='sources-empty'>Sources for the latest answer appear here.</div>"
    if answer.refused:
        items = "".join(f"<li>{html.escape(c['title'])} <code>{html.escape(c['source_id'])}</code></li>"
                        for c in answer.closest)
        return ("<div class='refusal'><b>The sources don't cover this.</b>"
                + (f"<p>Closest documents:</p><ul>{items}</ul>" if items else "") + "</div>")
    cards = []
    for c in answer.citations:
        link = f"<a href='{html.escape(c.url)}' target='_blank' rel='noopener'>source</a>" if c.url else ""
        meta = " · ".join(html.escape(x) for x in (c.type, c.date, c.jurisdiction, c.section) if x)
        cards.append(
            f"<div class='citation' id='cite-{c.n}'><div><b>[{c.n}] {html.escape(c.title)}</b></div>"
            f"<div class='meta'>{meta} {link}</div><blockquote>{html.escape(c.quote)}</blockquote></div>"
        )
    return "".join(cards)


def build_ui(assistant: Assistant) -> gr.Blocks:
    """The web chat: a chat column and a sources panel."""

    def history_of(messages: list[dict]) -> list[dict]:
        return [{"question": m["content"]} for m in messages if m.get("role") == "user"
                and isinstance(m.get("content"), str)]

    def respond(message: str, messages: list[dict]):
        messages = list(messages or [])
        try:
            answer = assistant.ask(message, history=history_of(messages))
        except AssistantError as e:
            raise gr.Error(str(e))
        messages += [{"role": "user", "content": message}, {"role": "assistant", "content": answer.text}]
        return "", messages, format_sources_html(answer)

    def chat(message: str) -> str:
        """Answer one question; returns the answer with its [n] markers and the numbered source list."""
        try:
            answer = assistant.ask(message)
        except AssistantError as e:
            raise gr.Error(str(e))
        return format_answer_text(answer)

    with gr.Blocks(title="AI copyright disputes assistant") as demo:
        gr.Markdown("## AI copyright disputes assistant\nAnswers cite the passages they come from.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=520)
                box = gr.Textbox(placeholder="Ask about a case, a ruling or a law…", show_label=False)
            with gr.Column(scale=2):
                sources = gr.HTML(format_sources_html(None), label="Sources")
        box.submit(respond, [box, chatbot], [box, chatbot, sources], api_visibility="private")
        gr.api(chat, api_name="chat")
    return demo


def ensure_index(assistant: Assistant) -> None:
    """Build the index from the sources folder when it is empty (first `make run`)."""
    if assistant.sources():
        return
    src = assistant.settings.sources_dir
    print(f"Index at {assistant.settings.index_dir} is empty: building it from {src}/ ...", file=sys.stderr)
    report = assistant.ingest([str(src)], show_bar=True)
    for path, err in report.failed:
        print(f"Skipped {path}: {err}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)


def serve(settings: Settings | None = None, share: bool = False, **launch: Any) -> None:
    """Start the web app (localhost by default, no share link unless asked)."""
    settings = settings or Settings()
    assistant = Assistant(settings)
    ensure_index(assistant)
    assistant.retriever.refresh(force=True)
    demo = build_ui(assistant)
    auth = None
    if settings.auth:
        user, _, pw = settings.auth.partition(":")
        auth = (user, pw)
    demo.queue(default_concurrency_limit=settings.concurrency)
    demo.launch(server_name=settings.host, server_port=settings.port, share=share, auth=auth,
                max_file_size=f"{settings.max_upload_mb}mb", show_error=True, **launch)
