"""The Gradio Blocks: the page's layout and its events. Each event calls a method of ChatApp, which holds the
Assistant and the conversation store; what the page shows is built by render, disputes and uploads.

The current conversation lives in a server-side gr.State (what an answer said and cited is never taken from the
browser); the browser keeps only the ids of its conversations (gr.BrowserState), and the address bar names the open
conversation (?c=ID) or a single answer (?a=ID) so either can be reopened, even after a restart.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable
from urllib.parse import unquote as _urlunquote

import gradio as gr

from ..facade import Assistant
from ..errors import AssistantError, InvalidInputError
from ..loaders import load_path
from ..types import DocumentRecord
from . import disputes, phrases, uploads
from .conversations import (ConversationStore, check_browser_state, check_id, empty_browser_state,
                            empty_conversation, forget, history_of, remember, turn_record)
from .feedback import record_feedback, turn_for_message
from .render import (conversation_title, esc, md_escape, placeholder, render_answer, render_document,
                     render_exports, render_messages, render_sources)

ASSETS = Path(__file__).parent / "assets"
STREAM_WORDS = 3  # words added per streamed update
STREAM_DELAY = 0.025  # seconds between streamed updates: visible streaming without slowing answers down
FIELDS_PER_UPLOAD = 6  # id, title, type, jurisdiction, date, replace


def asset(name: str) -> str:
    """The text of a file in assets/ (the page's CSS and JavaScript)."""
    return (ASSETS / name).read_text(encoding="utf-8")


def page_theme() -> gr.themes.Base:
    """Gradio's Soft theme with text colours that meet WCAG AA contrast (its subdued grey and label indigo do not)."""
    return gr.themes.Soft(primary_hue="indigo").set(
        color_accent="*primary_600", color_accent_soft="*primary_50",
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
        input_placeholder_color="*neutral_500", input_placeholder_color_dark="*neutral_400",
        block_title_text_color="*primary_800", block_label_text_color="*primary_800",
        block_info_text_color="*neutral_600", block_info_text_color_dark="*neutral_300",
        link_text_color="*primary_700", link_text_color_dark="*primary_200",
        link_text_color_visited="*primary_800", link_text_color_visited_dark="*primary_200",
        link_text_color_hover="*primary_800", link_text_color_hover_dark="*primary_100",
        button_primary_background_fill="*primary_600", button_primary_background_fill_hover="*primary_700",
        button_primary_background_fill_dark="*primary_600", button_primary_background_fill_hover_dark="*primary_700",
    )


def make_filters(types: Iterable[str] | None, jurisdictions: Iterable[str] | None, date_from: str | None,
                 date_to: str | None) -> dict[str, Any]:
    """The filter dict for assistant.ask from the filter controls (empty controls add nothing)."""
    f: dict[str, Any] = {}
    if types:
        f["type"] = list(types)
    if jurisdictions:
        f["jurisdiction"] = list(jurisdictions)
    if date_from and str(date_from).strip():
        f["date_from"] = str(date_from).strip()
    if date_to and str(date_to).strip():
        f["date_to"] = str(date_to).strip()
    return f


def stream_pieces(text: str, words_per_step: int = STREAM_WORDS) -> list[str]:
    """The growing prefixes of an answer, a few words at a time, ending with the whole text."""
    toks = re.findall(r"\S+\s*", text)
    out = ["".join(toks[:i]) for i in range(words_per_step, len(toks), words_per_step)]
    out.append(text)
    return out


def format_answer_text(answer) -> str:
    """Answer text followed by its numbered sources, for API callers."""
    lines = []
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.title} ({c.source_id}, {c.date or 'undated'}) - {c.section}\n"
                     f"    \"{' '.join(c.quote.split())}\"" + (f"\n    {c.url}" if c.url else ""))
    return f"{answer.text}\n\nSources:\n" + "\n".join(lines) if lines else answer.text


def address(conv: dict[str, Any]) -> str:
    """The hidden element from which the page keeps its address bar on the open conversation or linked answer."""
    url = f"?c={conv['id']}" if conv.get("id") else f"?a={conv['from_answer']}" if conv.get("from_answer") else ""
    return f"<span hidden data-url='{esc(url)}'></span>"


class ChatApp:
    """The event handlers of the page, around one Assistant and one conversation store."""

    def __init__(self, assistant: Assistant):
        self.assistant, self.settings = assistant, assistant.settings
        self.index_dir = Path(self.settings.index_dir)
        self.store = ConversationStore(self.index_dir / "conversations")
        self.uploads_dir = self.index_dir / "uploads"
        self.pending_dir = self.uploads_dir / ".pending"
        self._known: set[str] = set()

    def owner(self, request: gr.Request | None) -> str | None:
        """Who is logged in (Gradio gives a username only when auth is on)."""
        return getattr(request, "username", None) or None

    def records(self) -> list[DocumentRecord]:
        """The registry's ready documents (no text)."""
        recs = self.assistant.sources()
        self._known = {r.source_id for r in recs}
        return recs

    def open_document(self, source_id: str, quote: str = "", start=None, end=None, page=None, label: str = "",
                      target: str = "doc") -> str:
        try:
            rec = self.assistant.source(source_id)
        except AssistantError as e:
            return placeholder(str(e))
        return render_document(rec, quote, start, end, page, label, self._known, target)

    # -- the open conversation ----------------------------------------------------------------------------------
    def view(self, conv: dict[str, Any], browser: dict[str, Any], owner: str | None) -> tuple:
        """Everything that shows a conversation: chat, sources, exports, address, and the conversation list."""
        listing = self.store.listing(browser.get("ids", []), owner)
        current = conv.get("id") if any(cid == conv.get("id") for _l, cid in listing) else None
        return (render_messages(conv), render_sources(conv), render_exports(conv), address(conv),
                gr.Dropdown(choices=listing, value=current))

    def respond(self, message, conv, browser, types, jurisdictions, date_from, date_to, request: gr.Request):
        owner = self.owner(request)
        browser = check_browser_state(browser)[0]  # as sent by the page: checked like everything else from it
        filters = make_filters(types, jurisdictions, date_from, date_to)
        skip = (gr.skip(),) * 6
        try:
            if len(conv["turns"]) >= self.store.max_turns:
                raise InvalidInputError(phrases.CONVERSATION_FULL.format(n=self.store.max_turns))
            answer = self.assistant.ask(message, history=history_of(conv), filters=filters)
        except InvalidInputError as e:
            gr.Warning(str(e))
            yield gr.skip(), gr.skip(), *skip  # keep the question in the box to fix and resend
            return
        except AssistantError as e:
            raise gr.Error(str(e), print_exception=False) from None
        turn = turn_record(answer, filters)
        shown = render_messages(conv) + [{"role": "user", "content": md_escape(turn["question"])},
                                         {"role": "assistant", "content": ""}]
        if not answer.refused:
            for piece in stream_pieces(answer.text)[:-1]:
                shown[-1] = {"role": "assistant", "content": md_escape(piece)}
                yield "", shown, *skip
                time.sleep(STREAM_DELAY)
        try:
            conv_id, answer_id = self.store.save_answer(conv, turn, owner)
            conv = {"id": conv_id, "title": conv.get("title") or turn["question"],
                    "turns": conv["turns"] + [{**turn, "id": answer_id}]}
            browser = remember(browser, conv_id)
        except (AssistantError, OSError) as e:  # the answer is still shown; it just cannot be linked to or rated
            gr.Warning(f"The answer could not be saved: {getattr(e, 'strerror', None) or e}")
            conv = {**conv, "turns": conv["turns"] + [turn]}
        # the stream's last update carries the citations, so they can never be lost mid-stream
        shown[-1] = {"role": "assistant", "content": render_answer(len(conv["turns"]) - 1, conv["turns"][-1])}
        _msgs, sources, exports, addr, listing = self.view(conv, browser, owner)
        yield "", shown, conv, browser, sources, exports, addr, listing

    def chat(self, message: str) -> str:
        """Answer one question; returns the answer with its [n] markers and the numbered source list."""
        try:
            answer = self.assistant.ask(message)
        except AssistantError as e:
            raise gr.Error(str(e), print_exception=False) from None
        return format_answer_text(answer)

    def on_load(self, browser, request: gr.Request):
        """Page load: the browser's conversation list (checked), and the conversation or answer a link names."""
        browser, problem = check_browser_state(browser)
        if problem:
            gr.Warning(problem)
        owner = self.owner(request)
        params = dict(getattr(request, "query_params", None) or {})
        conv = empty_conversation()
        try:
            if "a" in params:
                turn = self.store.answer(check_id(params["a"], "answer"), owner)
                conv = {"id": None, "title": turn["question"], "turns": [turn], "from_answer": turn["id"]}
                gr.Info(phrases.ANSWER_VIEW)
            elif "c" in params:
                conv = self.store.conversation(check_id(params["c"], "conversation"), owner)
                browser = remember(browser, conv["id"])
            elif browser.get("current"):
                try:
                    conv = self.store.conversation(browser["current"], owner)
                except AssistantError:
                    browser = remember(browser, None)
        except AssistantError as e:
            gr.Warning(str(e))
        return (conv, browser, *self.view(conv, browser, owner), *self.page_state())

    def new_conversation(self, browser, request: gr.Request):
        conv, browser = empty_conversation(), remember(check_browser_state(browser)[0], None)
        return (conv, browser, *self.view(conv, browser, self.owner(request)), placeholder(phrases.VIEWER_EMPTY))

    def switch_conversation(self, conv_id, conv, browser, request: gr.Request):
        if conv_id == conv.get("id"):  # the list re-announces its value when it loses focus: nothing to switch
            return (gr.skip(),) * 8
        owner = self.owner(request)
        browser = check_browser_state(browser)[0]
        try:
            conv = self.store.conversation(check_id(conv_id, "conversation"), owner)
            browser = remember(browser, conv["id"])
        except AssistantError as e:
            gr.Warning(str(e))
            conv, browser = empty_conversation(), forget(browser, str(conv_id))
        return (conv, browser, *self.view(conv, browser, owner), placeholder(phrases.VIEWER_EMPTY))

    def delete_conversation(self, conv, browser, request: gr.Request):
        owner = self.owner(request)
        browser = check_browser_state(browser)[0]
        if conv.get("id"):
            try:
                self.store.delete(conv["id"], owner)
                gr.Info(f"Deleted the conversation “{conversation_title(conv)}”.")
            except AssistantError as e:
                gr.Warning(str(e))
            browser = forget(browser, conv["id"])
        conv = empty_conversation()
        return (conv, browser, *self.view(conv, browser, owner), placeholder(phrases.VIEWER_EMPTY))

    def open_ref(self, conv, evt: gr.EventData):
        """A click on a citation or document link (see assets/bridge.js)."""
        ref = str((getattr(evt, "_data", None) or {}).get("ref", ""))
        m = re.fullmatch(r"cite-(\d+)-(\d+)", ref)
        if m:
            ti, n = int(m.group(1)), int(m.group(2))
            if ti >= len(conv["turns"]):
                return gr.skip(), gr.skip(), gr.skip()
            c = next((c for c in conv["turns"][ti]["citations"] if c["n"] == n), None)
            if c is None:
                return render_sources(conv, ti), gr.skip(), gr.skip()
            doc = self.open_document(c["source_id"], c.get("quote", ""), c.get("start"), c.get("end"), c.get("page"),
                                     label=f"[{n}] ")
            return render_sources(conv, ti, n), doc, gr.skip()
        m = re.fullmatch(r"(d?doc)-(.+)", ref)
        if m:
            target = m.group(1)
            html_doc = self.open_document(_urlunquote(m.group(2)), target=target)
            return (gr.skip(), html_doc, gr.skip()) if target == "doc" else (gr.skip(), gr.skip(), html_doc)
        return gr.skip(), gr.skip(), gr.skip()

    def on_like(self, conv, evt: gr.LikeData, request: gr.Request):
        ti = turn_for_message(conv, evt.index)
        if ti is None or evt.liked in (None, ""):
            return
        answer_id = conv["turns"][ti].get("id")
        try:
            if not answer_id:
                raise InvalidInputError("This answer was not saved, so it cannot be rated: ask the question again.")
            record_feedback(self.index_dir, self.store, answer_id, evt.liked, self.owner(request))
        except AssistantError as e:
            raise gr.Error(str(e), print_exception=False) from None
        gr.Info(phrases.FEEDBACK_SAVED)

    # -- disputes and the index-dependent parts of the page ----------------------------------------------------
    def page_state(self) -> tuple:
        """Everything that depends on the index: filter choices, disputes, banner, uploaded documents."""
        recs = self.records()
        entries = disputes.from_records(recs)
        djur, dstat = disputes.choices(entries)
        ups = [(f"{r.title} ({r.source_id})", r.source_id) for r in recs if uploads.is_upload(r)]
        return (gr.Dropdown(choices=sorted({r.doc_type for r in recs} - {""})),
                gr.Dropdown(choices=sorted({r.jurisdiction for r in recs} - {""})), entries,
                disputes.render_table(entries, len(entries)), disputes.render_timeline(entries),
                gr.Dropdown(choices=djur, value=disputes.ALL), gr.Dropdown(choices=dstat, value=disputes.ALL),
                disputes.render_banner(recs), uploads.render_uploaded(recs), gr.Dropdown(choices=ups, value=None))

    def disputes_view(self, entries, text, jurisdiction, status, sort):
        rows = disputes.shown(entries or [], text, jurisdiction, status, sort)
        return disputes.render_table(rows, len(entries or [])), disputes.render_timeline(rows)

    # -- uploads ----------------------------------------------------------------------------------------------
    def check_files(self, files):
        """Stage and read each chosen file; returns the proposals to confirm and the report of rejected files.

        Gradio's temporary copies are deleted here, accepted or not, so its upload folder keeps nothing.
        """
        paths = [Path(f if isinstance(f, (str, os.PathLike)) else f.name) for f in (files or []) if f]
        if not paths:
            gr.Warning(phrases.UPLOAD_CHOOSE.format(types=uploads.UPLOAD_TYPES_TEXT))
            return gr.skip(), gr.skip(), gr.skip()
        uploads.clear_pending(self.pending_dir)
        recs = {r.source_id: r for r in self.records()}
        proposals, lines = [], []
        try:
            for src in paths:
                original, staged = src.name, None
                try:
                    staged = uploads.stage_upload(src, original, self.pending_dir, self.settings.max_upload_mb)
                    p = uploads.propose(staged, original, self.settings.max_file_mb)
                    if p.source_id in recs:
                        p.existing_title = recs[p.source_id].title
                        p.notes.append(phrases.UPLOAD_ID_TAKEN.format(title=p.existing_title))
                except AssistantError as e:
                    if staged:
                        staged.unlink(missing_ok=True)
                    lines.append(uploads.report_line(original, "rejected", esc(uploads.describe_error(e, staged,
                                                                                                   original))))
                    continue
                proposals.append(p.to_state())
        finally:
            for src in paths:
                _remove_temporary(src)
        note = uploads.report(lines, False) if lines else ""
        return proposals, note, None

    def add_documents(self, request: gr.Request, progress=gr.Progress(), proposals=None, *values):
        """Index each confirmed upload with its corrected metadata; reports file by file.

        (Gradio injects the request and progress only into parameters before *values, hence their place.)
        """
        if not proposals:
            gr.Warning(phrases.UPLOAD_NOTHING_TO_ADD)
            return (gr.skip(),) * 12
        owner, lines, added = self.owner(request), [], False
        self.records()
        for i, p in enumerate(proposals):
            sid, title, doc_type, jur, date, replace = values[i * FIELDS_PER_UPLOAD:(i + 1) * FIELDS_PER_UPLOAD]
            progress((i, len(proposals)), desc=f"Indexing {p['original']}")
            status, detail = self._add_one(p, sid, title, doc_type, jur, date, bool(replace), owner,
                                           lambda f: progress((i + f, len(proposals)), desc=f"Indexing {p['original']}"))
            added = added or status in ("added", "updated", "replaced")
            lines.append(uploads.report_line(p["original"], status, detail))
        progress((len(proposals), len(proposals)), desc="Done")
        return (uploads.report(lines, added), [], *self.page_state())

    def _add_one(self, p, sid, title, doc_type, jur, date, replace, owner, progress) -> tuple[str, str]:
        staged = Path(p["staged"])
        try:
            source_id = uploads.upload_id(sid)
            doc = load_path(staged, root=staged.parent, max_mb=self.settings.max_file_mb)
            doc = uploads.with_metadata(doc, source_id, title or "", doc_type or "", jur or "", date or "")
            existing = next((r for r in self.assistant.sources() if r.source_id == source_id), None)
            if existing and (not replace or not uploads.is_upload(existing)):
                staged.unlink(missing_ok=True)
                return "rejected", esc(phrases.UPLOAD_EXISTS.format(source_id=source_id, title=existing.title))
            final = self.uploads_dir / staged.name
            staged.replace(final)
            doc.path = str(final)
            report = self._ingest_upload(doc, bool(existing), owner, progress)
        except AssistantError as e:
            staged.unlink(missing_ok=True)
            return "rejected", esc(uploads.describe_error(e, staged, p["original"]))
        if report.failed:
            Path(doc.path).unlink(missing_ok=True)
            return "rejected", esc(uploads.describe_error(AssistantError(report.failed[0][1]), staged, p["original"]))
        old = Path(existing.path) if existing else Path("")
        if existing and old.parent == self.uploads_dir and old.name != Path(doc.path).name:
            old.unlink(missing_ok=True)  # the replaced version's file
        what = f"<code>{esc(doc.source_id)}</code> (“{esc(doc.title)}”)"
        if report.unchanged:
            return "unchanged", f"already in the index as {what}"
        if report.updated:
            return "replaced", f"{what}" + (f" by {esc(owner)}" if owner else "")
        return "added", f"as {what}" + (f" by {esc(owner)}" if owner else "")

    def _ingest_upload(self, doc, replace: bool, actor: str | None, progress):
        # origin "upload": the upload/ namespace, never replacing another origin's document; replace=True only after
        # the user ticked "Replace" for an earlier upload with this id; the registry records the actor
        return self.assistant.ingest([doc], origin="upload", replace=replace, actor=actor,
                                     progress=lambda done, total, _name: progress(done / max(total, 1)))

    def remove_upload(self, source_id, request: gr.Request):
        recs = {r.source_id: r for r in self.records()}
        rec = recs.get(source_id or "")
        if not rec or not uploads.is_upload(rec):
            gr.Warning("Choose an uploaded document to remove.")
            return (gr.skip(),) * 11
        self.assistant.remove(source_id)
        path = Path(rec.path)
        if path.parent == self.uploads_dir:
            path.unlink(missing_ok=True)
        msg = phrases.UPLOAD_REMOVED.format(source_id=source_id, title=rec.title)
        return (f"<p class='aic-upload-report'>{esc(msg)}</p>", *self.page_state())


def _remove_temporary(path: Path) -> None:
    """Delete one of Gradio's temporary upload copies and its folder when that is left empty."""
    try:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
    except OSError:
        pass


# -- layout -------------------------------------------------------------------------------------------------------
def _chat_tab(app: ChatApp) -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Tab("Chat", id="chat"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=300):
                ui.chatbot = gr.Chatbot(label="Conversation", show_label=False, height="min(540px, 62vh)",
                                        elem_id="aic-chat", latex_delimiters=[], buttons=[],
                                        placeholder=phrases.CHAT_PLACEHOLDER)
                with gr.Row(equal_height=True):
                    ui.box = gr.Textbox(label=phrases.INPUT_LABEL, show_label=False, scale=6, elem_id="aic-input",
                                        placeholder=phrases.INPUT_PLACEHOLDER, autofocus=True, max_lines=4,
                                        min_width=160)
                    ui.ask = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="aic-ask")
                ui.examples = gr.Dataset(components=[ui.box], samples=[[q] for q in phrases.EXAMPLES], type="index",
                                         label="Example questions", elem_id="aic-examples")
                with gr.Accordion("Filters (apply to every question in this conversation)", open=False):
                    with gr.Row():
                        ui.f_type = gr.Dropdown([], multiselect=True, label="Document type", elem_id="aic-f-type")
                        ui.f_jur = gr.Dropdown([], multiselect=True, label="Jurisdiction", elem_id="aic-f-jur")
                    with gr.Row():
                        ui.f_from = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD", elem_id="aic-f-from")
                        ui.f_to = gr.Textbox(label="Dated to", placeholder="YYYY-MM-DD", elem_id="aic-f-to")
                with gr.Row(equal_height=True):
                    ui.conv_list = gr.Dropdown([], value=None, label=phrases.CONVERSATIONS_LABEL, scale=3,
                                               elem_id="aic-conversations")
                    ui.new = gr.Button(phrases.NEW_CONVERSATION, size="sm", elem_id="aic-new")
                    ui.delete = gr.Button(phrases.DELETE_CONVERSATION, size="sm", elem_id="aic-delete")
                with gr.Row():
                    ui.export_md = gr.Button("Export as Markdown", size="sm", elem_id="aic-export-md")
                    ui.export_html = gr.Button("Export as HTML", size="sm", elem_id="aic-export-html")
            with gr.Column(scale=4, min_width=300):
                gr.HTML("<h2 class='aic-h2'>Sources</h2>", js_on_load=None)
                ui.sources = gr.HTML(placeholder(phrases.SOURCES_EMPTY), js_on_load=asset("sources.js"),
                                     elem_id="aic-sources")
                gr.HTML("<h2 class='aic-h2'>Document</h2>", js_on_load=None)
                ui.viewer = gr.HTML(placeholder(phrases.VIEWER_EMPTY), js_on_load=asset("viewer.js"),
                                    elem_id="aic-viewer")
        ui.exports = gr.HTML(render_exports(empty_conversation()), js_on_load=None, elem_id="aic-exports")
        ui.address = gr.HTML(address(empty_conversation()), js_on_load=asset("address.js"), elem_id="aic-address")
    return ui


def _disputes_tab() -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Tab("Disputes", id="disputes"):
        gr.Markdown(phrases.DISPUTES_INTRO)
        with gr.Row():
            ui.text = gr.Textbox(label="Filter", placeholder="title, party, court or docket", elem_id="aic-d-text",
                                 scale=3, min_width=200)
            ui.jur = gr.Dropdown([disputes.ALL], value=disputes.ALL, label="Jurisdiction", elem_id="aic-d-jur",
                                 scale=1, min_width=140)
            ui.status = gr.Dropdown([disputes.ALL], value=disputes.ALL, label="Status", elem_id="aic-d-status",
                                    scale=1, min_width=140)
            ui.sort = gr.Dropdown(list(disputes.SORTS), value=next(iter(disputes.SORTS)), label="Sort by",
                                  elem_id="aic-d-sort", scale=1, min_width=160)
        ui.table = gr.HTML(placeholder(phrases.DISPUTES_EMPTY_INDEX), js_on_load=None, elem_id="aic-disputes")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                gr.HTML("<h2 class='aic-h2'>Timeline</h2>", js_on_load=None)
                ui.timeline = gr.HTML(placeholder(phrases.TIMELINE_NONE), js_on_load=None, elem_id="aic-timeline")
            with gr.Column(scale=2, min_width=300):
                gr.HTML("<h2 class='aic-h2'>Document</h2>", js_on_load=None)
                ui.viewer = gr.HTML(placeholder(phrases.DISPUTES_VIEWER_EMPTY), js_on_load=asset("viewer.js"),
                                    elem_id="aic-dviewer")
    return ui


def _upload_tab(app: ChatApp) -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Tab("Add documents", id="upload"):
        gr.Markdown(phrases.UPLOAD_INTRO.format(types=uploads.UPLOAD_TYPES_TEXT, mb=app.settings.max_upload_mb))
        ui.files = gr.File(file_count="multiple", file_types=uploads.FILE_TYPES, type="filepath", label="Documents",
                           elem_id="aic-upload")
        ui.check = gr.Button("Check files", elem_id="aic-check")
        ui.proposals = gr.State([])
        ui.index_outputs = []  # filled in by build_ui: what an upload changes elsewhere on the page

        @gr.render(inputs=[ui.proposals])
        def forms(proposals):
            """One form per checked file, its fields the inputs of "Add to index"."""
            jurisdictions = sorted({r.jurisdiction for r in app.records()} - {""})
            fields = [f for p in proposals for f in _proposal_fields(p, jurisdictions)]
            ui.add.click(app.add_documents, [ui.proposals, *fields], [ui.report, ui.proposals, *ui.index_outputs],
                         api_visibility="private")

        ui.add = gr.Button("Add to index", variant="primary", elem_id="aic-add")
        ui.report = gr.HTML("", js_on_load=None, elem_id="aic-upload-report")
        gr.HTML("<h2 class='aic-h2'>Uploaded documents</h2>", js_on_load=None)
        ui.listing = gr.HTML("", js_on_load=None, elem_id="aic-uploaded")
        with gr.Row(equal_height=True):
            ui.remove_choice = gr.Dropdown([], value=None, label="Uploaded document to remove", scale=3,
                                           elem_id="aic-remove-choice")
            ui.remove = gr.Button("Remove from the index", variant="stop", elem_id="aic-remove")
    return ui


def _proposal_fields(p: dict[str, Any], jurisdictions: list[str]) -> list[gr.components.Component]:
    name = p["original"]
    notes = f" ({'; '.join(p['notes'])})" if p.get("notes") else ""
    with gr.Group():
        gr.HTML(f"<p class='aic-proposal-head'><b>{esc(name)}</b>"
                f"<span class='aic-proposal-notes'>{esc(notes)}</span></p>", js_on_load=None)
        with gr.Row():
            fields = [gr.Textbox(p["source_id"], label=f"ID of {name}", info="under upload/; letters, digits, -",
                                 interactive=True),
                      gr.Textbox(p["title"], label=f"Title of {name}", interactive=True)]
        with gr.Row():
            fields += [gr.Dropdown(uploads.DOC_TYPES, value=p["doc_type"], allow_custom_value=True,
                                   label=f"Type of {name}", interactive=True),
                       gr.Dropdown(jurisdictions, value=p["jurisdiction"] or None, allow_custom_value=True,
                                   label=f"Jurisdiction of {name}", interactive=True),
                       gr.Textbox(p["date"], label=f"Date of {name}", placeholder="YYYY-MM-DD", interactive=True)]
        fields.append(gr.Checkbox(False, label=f"Replace the existing document with {name}", interactive=True))
    return fields


def build_ui(assistant: Assistant) -> gr.Blocks:
    """The web chat: Chat (sources panel, document viewer, conversations), Disputes, and Add documents."""
    app = ChatApp(assistant)
    secret = _browser_secret(app.index_dir)
    age = int(assistant.settings.upload_cache_seconds)
    with gr.Blocks(title=phrases.APP_TITLE, delete_cache=(max(1, min(age, 600)), age)) as demo:
        browser = gr.BrowserState(empty_browser_state(), storage_key="aic-conversations-" + secret[:8], secret=secret)
        conv = gr.State(empty_conversation())
        entries = gr.State([])
        header = gr.HTML(f"<header class='aic-header'><h1>{esc(phrases.APP_TITLE)}</h1><p>{esc(phrases.APP_INTRO)}"
                         "</p></header><div id='aic-live' class='aic-sr' role='status' aria-live='polite'></div>",
                         js_on_load=asset("bridge.js"), elem_id="aic-header")
        banner = gr.HTML("", js_on_load=None, elem_id="aic-banner")
        with gr.Tabs():
            chat, disp, up = _chat_tab(app), _disputes_tab(), _upload_tab(app)

        index_outputs = [chat.f_type, chat.f_jur, entries, disp.table, disp.timeline, disp.jur, disp.status, banner,
                         up.listing, up.remove_choice]
        up.index_outputs[:] = index_outputs

        view = [chat.chatbot, chat.sources, chat.exports, chat.address, chat.conv_list]
        ask_in = [chat.box, conv, browser, chat.f_type, chat.f_jur, chat.f_from, chat.f_to]
        ask_out = [chat.box, chat.chatbot, conv, browser, chat.sources, chat.exports, chat.address, chat.conv_list]
        # one event for Enter and the button: a second trigger while an answer streams is ignored
        gr.on([chat.box.submit, chat.ask.click], app.respond, ask_in, ask_out, trigger_mode="once",
              api_visibility="private")
        chat.examples.click(lambda i: phrases.EXAMPLES[i] if isinstance(i, int) and 0 <= i < len(phrases.EXAMPLES)
                            else gr.skip(), [chat.examples], [chat.box], api_visibility="private").then(
            app.respond, ask_in, ask_out, api_visibility="private")
        header.click(app.open_ref, [conv], [chat.sources, chat.viewer, disp.viewer], api_visibility="private")
        chat.chatbot.like(app.on_like, [conv], None, api_visibility="private")
        for trigger, fn, inputs in ((chat.new.click, app.new_conversation, [browser]),
                                    (chat.conv_list.input, app.switch_conversation, [chat.conv_list, conv, browser]),
                                    (chat.delete.click, app.delete_conversation, [conv, browser])):
            trigger(fn, inputs, [conv, browser, *view, chat.viewer], api_visibility="private")
        chat.export_md.click(None, js="() => window.__aicExport('md')")
        chat.export_html.click(None, js="() => window.__aicExport('html')")
        gr.on([disp.text.change, disp.jur.change, disp.status.change, disp.sort.change], app.disputes_view,
              [entries, disp.text, disp.jur, disp.status, disp.sort], [disp.table, disp.timeline],
              api_visibility="private")
        up.check.click(app.check_files, [up.files], [up.proposals, up.report, up.files], api_visibility="private")
        up.remove.click(app.remove_upload, [up.remove_choice], [up.report, *index_outputs], api_visibility="private")
        demo.load(app.on_load, [browser], [conv, browser, *view, *index_outputs], api_visibility="private")
        gr.api(app.chat, api_name="chat")
    return demo


def _browser_secret(index_dir: Path) -> str:
    """The key the browser's conversation list is stored under, kept in the index dir so it survives restarts."""
    path = index_dir / ".browser-state-key"
    try:
        value = path.read_text(encoding="utf-8").strip()
        if re.fullmatch(r"[A-Za-z0-9]{16,64}", value):
            return value
    except OSError:
        pass
    value = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(value, encoding="utf-8")
    except OSError:
        pass  # a read-only index: the list then lasts until the next restart
    return value
