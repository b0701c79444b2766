"""The errors a use case may end in. Each face maps them once: the API to problem documents
(`http.problems`), the pages to a message or an error page (`web.errors`).

What they say is a `Message`, said in the reader's language at the edge (SPEC §10); `str()` of
an error is its English text, for logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alertsvc.domain.message import Localized, Message, Sayable, msg, msg_n

IS_REQUIRED = msg("is required")
UNKNOWN_FIELD = msg("unknown field")


@dataclass(frozen=True, slots=True)
class FieldError:
    """One validation problem, named by its JSON path (`weekly.mon[1].start`); the path never
    changes with the language, the message is said in the reader's."""

    field: str
    message: Sayable


class ServiceError(Exception):
    """Base of every expected failure of a use case."""


class InvalidFieldsError(ServiceError, ValueError):
    """Raised with every field error at once, so a client can fix them all in one go."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors: tuple[FieldError, ...] = tuple(errors)


# What a missing object is called (a kind, never translated) and the sentence that says so.
_NO_SUCH: dict[str, Message] = {
    "resource": msg("No such resource."),
    "teen": msg("No such teen."),
    "parent": msg("No such parent."),
    "schedule": msg("No such schedule."),
    "exception": msg("No such exception."),
    "nudge": msg("No such nudge."),
    "experiment": msg("No such experiment."),
    "device": msg("No such device."),
    "page": msg("No such page."),
}


def no_such(what: str) -> Message:
    """`No such teen.`: the sentence for a kind of object that does not exist."""
    return _NO_SUCH.get(what) or msg("No such %(what)s.", what=what)


class NotFoundError(ServiceError, LookupError):
    """No such object, or it belongs to another family: both answer the same. `what` is the
    kind of object (`teen`); `detail` the sentence that says it is not there."""

    def __init__(self, what: str = "resource") -> None:
        self.what = what
        self.detail: Message = no_such(what)
        super().__init__(str(self.detail))


class _SaidError(ServiceError):
    """An error whose detail is a sentence."""

    def __init__(self, detail: Sayable) -> None:
        super().__init__(str(detail))
        self.detail = detail


class ConflictError(_SaidError):
    """The change contradicts the current state (a name taken, a lifecycle step not allowed)."""


NOT_AUTHENTICATED = msg("Missing or invalid credentials.")


class NotAuthenticatedError(_SaidError):
    """Missing, unknown or revoked credentials."""

    def __init__(self, detail: Sayable = NOT_AUTHENTICATED) -> None:
        super().__init__(detail)


def try_again_in(retry_after: int) -> Message:
    return msg_n(
        "Too many attempts; try again in %(count)d second.",
        "Too many attempts; try again in %(count)d seconds.",
        retry_after,
    )


class RateLimitedError(_SaidError):
    """Too many attempts; the caller may try again after `retry_after` seconds."""

    def __init__(self, retry_after: int, detail: Sayable | None = None) -> None:
        super().__init__(detail or try_again_in(retry_after))
        self.retry_after = retry_after


class UnavailableError(_SaidError):
    """The service cannot answer right now (contention, a dependency down)."""

    def __init__(self, detail: Sayable, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def reason(error: Exception) -> Sayable:
    """What an exception says to a person: the sentence it was raised with
    (`ValueError(msg("must be …"))`), else its text as it is (for every language: nobody
    marked it for translation)."""
    said = error.args[0] if error.args else None
    if isinstance(said, (Message, Localized)):
        return said
    return Localized((("", str(error)),))
