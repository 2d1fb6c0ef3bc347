"""Exceptions whose messages are shown to users as they are: each names the bad file or value and the fix."""


class AssistantError(Exception):
    """Base class: a user-facing problem; the CLI prints the message and exits 1."""


class LoadError(AssistantError):
    """A file or address could not be read as a source document."""


class IndexMismatchError(AssistantError):
    """The index was built with another embedder or chunker version."""


class IndexLockedError(AssistantError):
    """Another process is writing to the same index."""


class IndexAccessError(AssistantError):
    """The index directory cannot be read or written."""


class NotFoundError(AssistantError):
    """A source id or other named thing does not exist."""


class InvalidInputError(AssistantError):
    """A question, filter or option value is not usable."""


class EvalSetError(AssistantError):
    """An eval set file is malformed."""


class LLMError(AssistantError):
    """The configured LLM failed (timeout, refused connection, bad key, malformed reply)."""
