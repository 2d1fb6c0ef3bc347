"""The web chat, a Gradio app around an Assistant; all retrieval and answering stay in the library.

    render         answers, sources, documents, copy text and exports (pure; no Gradio)
    conversations  answers and conversations kept under <index>/conversations/; the browser's list of them
    feedback       ratings of stored answers, appended to <index>/feedback.jsonl
    disputes       the Disputes tab's table, timeline and filters, and the coverage banner
    uploads        upload checks (reusing loaders), proposed metadata, the upload report
    throttle       the per-client login throttle in front of Gradio's login
    phrases        every user-facing phrase
    blocks         the page's layout and events (Gradio)
    server         serve(): index, Blocks, throttle, launch
    assets/        the page's CSS and JavaScript
"""


def __getattr__(name):
    # serve and build_ui pull in Gradio; the pure modules above do not
    if name == "serve":
        from .server import serve

        return serve
    if name == "build_ui":
        from .blocks import build_ui

        return build_ui
    raise AttributeError(name)
