"""Parent accounts and their tokens (API tokens and page sessions, stored as digests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alertsvc.db.models import Parent, ParentToken


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a parent is, for the request that acts on their behalf."""

    parent_id: str
    email: str
    is_admin: bool
    language: str | None = None  # the pages' language the parent picked (SPEC §10)


@dataclass(frozen=True, slots=True)
class Account:
    """A parent account with its password hash, for logging in."""

    identity: Identity
    password_hash: str


def _account(row: Parent) -> Account:
    return Account(Identity(row.id, row.email, row.is_admin), row.password_hash)


def load_account(session: Session, email: str) -> Account | None:
    """The account registered with this (normalised) email, if any."""
    row = session.scalar(select(Parent).where(Parent.email == email))
    return None if row is None else _account(row)


def add_parent(session: Session, account: Account, now: datetime) -> None:
    """Store a new parent; flushed, so a concurrent sign-up raises IntegrityError here."""
    identity = account.identity
    session.add(
        Parent(
            id=identity.parent_id,
            email=identity.email,
            password_hash=account.password_hash,
            is_admin=identity.is_admin,
            created_at=now,
        )
    )
    session.flush()


def set_password_hash(session: Session, parent_id: str, password_hash: str) -> None:
    row = session.get(Parent, parent_id)
    if row is not None:
        row.password_hash = password_hash


def make_admin(session: Session, parent_id: str) -> None:
    row = session.get(Parent, parent_id)
    if row is not None:
        row.is_admin = True


def add_token(
    session: Session,
    token_hash: str,
    parent_id: str,
    kind: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        ParentToken(
            token_hash=token_hash,
            parent_id=parent_id,
            kind=kind,
            created_at=now,
            expires_at=expires_at,
        )
    )


def load_token_holder(
    session: Session, token_hash: str, kind: str
) -> tuple[str, datetime, Identity] | None:
    """The stored digest, expiry and parent of a token of this kind (one query), if any."""
    row = session.execute(
        select(ParentToken.token_hash, ParentToken.expires_at, Parent.id, Parent.email)
        .add_columns(Parent.is_admin, Parent.language)
        .join(Parent, Parent.id == ParentToken.parent_id)
        .where(ParentToken.token_hash == token_hash, ParentToken.kind == kind)
    ).first()
    if row is None:
        return None
    return row[0], row[1], Identity(row[2], row[3], bool(row[4]), row[5])


def delete_token(session: Session, token_hash: str) -> None:
    session.execute(delete(ParentToken).where(ParentToken.token_hash == token_hash))


def delete_tokens_of(session: Session, parent_id: str) -> None:
    """Every session and API token of the parent."""
    session.execute(delete(ParentToken).where(ParentToken.parent_id == parent_id))
