"""Answers questions about AI copyright disputes from a Chroma index, with checked citations."""

from .settings import Settings
from .types import Answer, Citation

__all__ = ["Assistant", "Answer", "Citation", "Settings"]


def __getattr__(name):
    # Assistant pulls in the retrieval stack; import it on first use so `import assistant` stays cheap.
    if name == "Assistant":
        from .facade import Assistant

        return Assistant
    raise AttributeError(name)
