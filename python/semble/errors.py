"""semble's exceptions: one class per engine Status code, all under SembleError.

Every error the engine or a server reports is raised as the class of its code, carrying the code's
name (``"NotFound"``), the finer reason when the engine gives one (``"index_not_found"``,
``"bad_filter"``, ...; ``None`` otherwise) and the engine's one-line message::

    try:
        db.get_index("nope")
    except semble.NotFound as e:
        print(e.code, e.reason, e.message)
"""

from __future__ import annotations

from typing import Optional


class SembleError(Exception):
    """Base class of every error semble raises.

    Attributes:
        code: the Status code's name, e.g. ``"InvalidArgument"``.
        reason: why, where the code alone does not say (``"bad_filter"``, ``"record_dimensions"``,
            ``"query_dimensions"``, ``"metadata_too_large"``, ``"no_model"``, ``"model_not_found"``,
            ``"index_not_found"``, ``"index_exists"``, ``"vector_not_found"``,
            ``"no_text_index"`` (a keyword or hybrid query on an index without a full-text
            index), ``"missing_field"``, ...), else None.
        message: the engine's message, meant for a human.
    """

    code: str = "Unknown"

    def __init__(self, message: str, reason: Optional[str] = None, code: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        suffix = f" [{self.reason}]" if self.reason else ""
        return f"{self.code}: {self.message}{suffix}"


class InvalidArgument(SembleError, ValueError):
    """The request is malformed or breaks a documented limit."""

    code = "InvalidArgument"


class NotFound(SembleError, LookupError):
    """A named index, vector, model or metadata index does not exist."""

    code = "NotFound"


class AlreadyExists(SembleError):
    """An index or metadata index of that name exists."""

    code = "AlreadyExists"


class FailedPrecondition(SembleError):
    """The request is valid but the state forbids it (database closed or locked, token refused,
    a keyword or hybrid query on an index without a full-text index)."""

    code = "FailedPrecondition"


class ResourceExhausted(SembleError):
    """A configured quota is reached (metadata indexes per index, ...)."""

    code = "ResourceExhausted"


class Corruption(SembleError):
    """Stored data failed a checksum or format check."""

    code = "Corruption"


class SembleIOError(SembleError):
    """The operating system refused an operation, or a server could not be reached or failed."""

    code = "IOError"


class Internal(SembleError):
    """A bug: an invariant of semble itself does not hold."""

    code = "Internal"


_BY_CODE = {
    cls.code: cls
    for cls in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        FailedPrecondition,
        ResourceExhausted,
        Corruption,
        SembleIOError,
        Internal,
    )
}


def from_status(code: str, reason: Optional[str], message: str) -> SembleError:
    """The exception for a Status (used by the extension module)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return SembleError(message, reason, code)
    return cls(message, reason)
