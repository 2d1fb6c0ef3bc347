"""Starting the web app: the index (built on first use), the Blocks, the login throttle, and Gradio's server."""

from __future__ import annotations

import sys
import threading
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from ..facade import Assistant
from ..errors import AssistantError, InvalidInputError
from ..settings import Settings
from ..store import local_index_exists
from .blocks import asset, build_ui, page_theme
from .throttle import LoginThrottle, Throttle


def ensure_index(assistant: Assistant) -> None:
    """Build the index from the sources folder when it is empty (first `make run`)."""
    if assistant.sources():
        return
    src = assistant.settings.sources_dir
    print(f"Index at {assistant.settings.index_dir} is empty: building it from {src}/ ...", file=sys.stderr)
    report = assistant.ingest([str(src)], show_bar=True, origin="corpus")
    for path, err in report.failed:
        print(f"Skipped {path}: {err}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)


def parse_auth(value) -> tuple[str, str] | None:
    """'user:password' (a str or SecretStr) -> (user, password); InvalidInputError when malformed."""
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if not value:
        return None
    user, sep, pw = value.partition(":")
    if not sep or not user or not pw:
        raise InvalidInputError("ASSISTANT_AUTH / --auth must be user:password (both non-empty)")
    return user, pw


def _warm_up(assistant: Assistant) -> None:
    """Open the index (building it from sources/ if it is empty) and load the embedding model; runs after the page
    is served, so the page does not wait for it and the first question does not either (about 1 s on 2 cores,
    most of it importing chromadb, while a user is still typing). Errors propagate to serve()."""
    ensure_index(assistant)
    assistant.load_embedder()


def launch_options(settings: Settings, share: bool, auth: tuple[str, str] | None) -> dict[str, Any]:
    """Gradio's launch options: loopback by default, no share link, upload size limit, login throttle."""
    throttle = Throttle(free_after=settings.login_attempts, lockout=settings.login_lockout)
    return dict(
        server_name=settings.host, server_port=settings.port, share=share, auth=auth,
        max_file_size=int(settings.max_upload_mb * 1024 * 1024), show_error=False, css=asset("style.css"),
        theme=page_theme(), footer_links=["api"],
        app_kwargs={"middleware": [Middleware(LoginThrottle, throttle=throttle,
                                              client_header=settings.client_address_header)]},
    )


def serve(settings: Settings | None = None, share: bool = False, **launch: Any) -> gr.Blocks:
    """Start the web app (localhost by default, no share link unless asked); returns the running Blocks.

    A local index that does not exist yet is built before the page is served (first `make run`). Otherwise the
    page is served first and the index opens in the background; a stale or unreadable index then stops the server
    with the same one-line error, raised from here."""
    settings = settings or Settings()
    auth = parse_auth(settings.auth)
    assistant = Assistant(settings)
    if not local_index_exists(settings):
        ensure_index(assistant)
    demo = build_ui(assistant)
    demo.queue(default_concurrency_limit=settings.concurrency)
    options = {**launch_options(settings, share, auth), **launch}
    block = not options.pop("prevent_thread_lock", False)
    demo.launch(prevent_thread_lock=True, **options)
    failed: list[AssistantError] = []
    stop = threading.Event()

    def warm_up() -> None:
        try:
            _warm_up(assistant)
        except AssistantError as e:
            failed.append(e)
            if not block:  # else serve() raises it and the caller prints it
                print(f"Error: {e}", file=sys.stderr)
            stop.set()
        except Exception as e:  # the first question reports any other problem as a user-facing error
            print(f"Warm-up failed: {type(e).__name__}: {e}", file=sys.stderr)

    threading.Thread(target=warm_up, daemon=True, name="warm-up").start()
    if block:  # as demo.block_thread(), and also until a failed warm-up stops the server
        try:
            while demo.is_running and not stop.wait(0.1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            if demo.is_running:
                demo.close()
        if failed:
            raise failed[0]
    return demo
