"""Starting the web app: the index (built on first use), the Blocks, the login throttle, and Gradio's server."""

from __future__ import annotations

import sys
import threading
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from ..answering import Assistant
from ..errors import InvalidInputError
from ..settings import Settings
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
    # Load the embedding model after the server is up, so startup stays fast and the first question does not wait.
    try:
        assistant.embedder.embed(["warm up"])
    except Exception as e:  # the first question reports any real problem as a user-facing error
        print(f"Model warm-up failed: {e}", file=sys.stderr)


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
    """Start the web app (localhost by default, no share link unless asked); returns the running Blocks."""
    settings = settings or Settings()
    auth = parse_auth(settings.auth)
    assistant = Assistant(settings)
    ensure_index(assistant)
    demo = build_ui(assistant)
    demo.queue(default_concurrency_limit=settings.concurrency)
    options = {**launch_options(settings, share, auth), **launch}
    block = not options.pop("prevent_thread_lock", False)
    demo.launch(prevent_thread_lock=True, **options)
    # only now load the model: importing torch while the server starts would slow the start down
    threading.Thread(target=_warm_up, args=(assistant,), daemon=True, name="warm-up").start()
    if block:
        demo.block_thread()
    return demo
