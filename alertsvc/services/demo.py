"""A demo family for `make run`: a parent with a token, printed with lines to try."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from alertsvc import edge
from alertsvc.db.models import Parent
from alertsvc.services import accounts

DEMO_EMAIL = "demo-parent@example.com"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - a published demo credential, development only


@dataclass(frozen=True, slots=True)
class Demo:
    parent_token: str

    def instructions(self, base_url: str) -> str:
        return "\n".join(
            [
                "Demo family ready.",
                f"  parent login:  {DEMO_EMAIL} / {DEMO_PASSWORD}",
                f"  parent token:  {self.parent_token}",
                "",
                "Try:",
                f"  curl -s {base_url}/v1/teens -H 'Authorization: Bearer {self.parent_token}'",
                f"  curl -s {base_url}/v1/openapi.json | head -c 300",
            ]
        )


def create_demo() -> Demo:
    """Create (or reuse) the demo parent and issue a fresh token."""
    session = edge.db()
    now = edge.now()
    parent_id = session.scalar(select(Parent.id).where(Parent.email == DEMO_EMAIL))
    if parent_id is None:
        parent_id = accounts.register_parent(session, DEMO_EMAIL, DEMO_PASSWORD, now).parent_id
    token = accounts.issue_token(session, parent_id, "api", now)
    session.commit()
    return Demo(parent_token=token)
