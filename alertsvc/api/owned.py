"""The one gate every teen route passes: the caller must be one of the teen's guardians."""

from __future__ import annotations

from alertsvc.db.repositories import TeenView
from alertsvc.http import edge
from alertsvc.http.problems import not_found
from alertsvc.services import teens
from alertsvc.services.accounts import Identity


def owned_teen(identity: Identity, teen_id: str) -> TeenView:
    """The teen if the caller is a guardian; otherwise 404, never 403 (no existence leak)."""
    try:
        return teens.teen_for_parent(edge.db(), identity.parent_id, teen_id)
    except teens.TeenNotFoundError:
        raise not_found("teen") from None
