"""The one gate every teen route passes: the caller must be one of the teen's guardians."""

from __future__ import annotations

from alertsvc.http import edge
from alertsvc.services import teens
from alertsvc.services.accounts import Identity
from alertsvc.services.teens import TeenView


def owned_teen(identity: Identity, teen_id: str) -> TeenView:
    """The teen if the caller is a guardian; otherwise `TeenNotFoundError` (404, never 403)."""
    return teens.teen_for_parent(edge.db(), identity.parent_id, teen_id)
