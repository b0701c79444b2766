"""The errors a use case may end in. Each face maps them once: the API to problem documents
(`http.problems`), the pages to a message or an error page (`web.errors`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One validation problem, named by its JSON path (`weekly.mon[1].start`)."""

    field: str
    message: str


class ServiceError(Exception):
    """Base of every expected failure of a use case."""


class InvalidFieldsError(ServiceError, ValueError):
    """Raised with every field error at once, so a client can fix them all in one go."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors: tuple[FieldError, ...] = tuple(errors)


class NotFoundError(ServiceError, LookupError):
    """No such object, or it belongs to another family: both answer the same."""

    def __init__(self, what: str = "resource") -> None:
        super().__init__(f"No such {what}.")
        self.what = what


class ConflictError(ServiceError):
    """The change contradicts the current state (a name taken, a lifecycle step not allowed)."""


class NotAuthenticatedError(ServiceError):
    """Missing, unknown or revoked credentials."""

    def __init__(self, detail: str = "Missing or invalid credentials.") -> None:
        super().__init__(detail)


class RateLimitedError(ServiceError):
    """Too many attempts; the caller may try again after `retry_after` seconds."""

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail or f"Too many attempts; try again in {retry_after} s.")
        self.retry_after = retry_after


class UnavailableError(ServiceError):
    """The service cannot answer right now (contention, a dependency down)."""

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
