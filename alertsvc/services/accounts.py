"""Parents, passwords and tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alertsvc.db.repositories import parents as parent_rows
from alertsvc.db.repositories.parents import Account
from alertsvc.db.repositories.parents import Identity as Identity  # re-exported for the faces
from alertsvc.domain.errors import ConflictError, NotAuthenticatedError
from alertsvc.domain.message import msg
from alertsvc.services.ids import digest, new_id, new_token, same_digest

API_TOKEN_TTL = timedelta(days=90)
SESSION_TTL = timedelta(days=7)


class Passwords:
    """How passwords are hashed and checked: argon2id with the given parameters."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hasher.hash("a password nobody has")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; without a stored hash, it spends the same
        verification on a dummy one (so the answer's timing tells nothing)."""
        try:
            self.hasher.verify(stored or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return stored is not None

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


# argon2id with the library's memory-hard defaults (RFC 9106).
STRONG_PASSWORDS = Passwords(PasswordHasher())
# Cheap parameters, only where Settings.fast_password_hashing asks (the test suite).
FAST_PASSWORDS = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def passwords_for(fast: bool) -> Passwords:
    return FAST_PASSWORDS if fast else STRONG_PASSWORDS


class EmailTakenError(ConflictError):
    def __init__(self, email: str) -> None:
        super().__init__(msg("A parent with this email already exists."))
        self.email = email


class WrongPasswordError(NotAuthenticatedError):
    def __init__(self) -> None:
        super().__init__(msg("Wrong email or password."))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def register_parent(
    session: Session,
    email: str,
    password: str,
    now: datetime,
    *,
    is_admin: bool = False,
    passwords: Passwords = STRONG_PASSWORDS,
) -> Identity:
    email = normalize_email(email)
    if parent_rows.load_account(session, email) is not None:
        raise EmailTakenError(email)
    identity = Identity(new_id("par"), email, is_admin)
    try:
        parent_rows.add_parent(session, Account(identity, passwords.hash(password)), now)
    except IntegrityError as exc:  # a concurrent sign-up with the same email
        raise EmailTakenError(email) from exc
    return identity


def authenticate(
    session: Session, email: str, password: str, *, passwords: Passwords = STRONG_PASSWORDS
) -> Identity | None:
    """The parent for these credentials, or None; always spends one argon2 verification."""
    account = account_with_password(session, email)
    matches = passwords.verify(account.password_hash if account else None, password)
    if account is None or not matches:
        return None
    if passwords.needs_rehash(account.password_hash):
        parent_rows.set_password_hash(session, account.identity.parent_id, passwords.hash(password))
    return account.identity


def log_in(
    session: Session, email: str, password: str, *, passwords: Passwords = STRONG_PASSWORDS
) -> Identity:
    """The parent for these credentials, or `WrongPasswordError`."""
    identity = authenticate(session, email, password, passwords=passwords)
    if identity is None:
        raise WrongPasswordError
    return identity


def set_password(
    session: Session, parent_id: str, password: str, *, passwords: Passwords = STRONG_PASSWORDS
) -> None:
    parent_rows.set_password_hash(session, parent_id, passwords.hash(password))
    # A password change ends every session and token but the one about to be issued.
    parent_rows.delete_tokens_of(session, parent_id)


def account_with_password(session: Session, email: str) -> Account | None:
    return parent_rows.load_account(session, normalize_email(email))


def account_for_email(session: Session, email: str) -> Identity | None:
    """The parent account registered with this email, if any."""
    account = account_with_password(session, email)
    return None if account is None else account.identity


def make_admin(
    session: Session,
    email: str,
    password: str,
    now: datetime,
    *,
    reset_password: bool = False,
    passwords: Passwords = STRONG_PASSWORDS,
) -> Identity:
    """Create an admin. An existing account is never changed silently: only with
    `reset_password` does it get this password (ending its sessions and tokens) and the admin
    role; otherwise EmailTakenError."""
    existing = account_for_email(session, email)
    if existing is None:
        return register_parent(session, email, password, now, is_admin=True, passwords=passwords)
    if not reset_password:
        raise EmailTakenError(existing.email)
    set_password(session, existing.parent_id, password, passwords=passwords)
    parent_rows.make_admin(session, existing.parent_id)
    return Identity(existing.parent_id, existing.email, True)


def issue_token(session: Session, parent_id: str, kind: str, now: datetime) -> str:
    token = new_token()
    ttl = API_TOKEN_TTL if kind == "api" else SESSION_TTL
    parent_rows.add_token(session, digest(token), parent_id, kind, now, now + ttl)
    return token


def identity_for_token(session: Session, token: str, kind: str, now: datetime) -> Identity | None:
    hashed = digest(token)
    found = parent_rows.load_token_holder(session, hashed, kind)
    if found is None:
        return None
    stored, expires_at, identity = found
    if not same_digest(stored, hashed) or expires_at <= now:
        return None
    return identity


def revoke_token(session: Session, token: str) -> None:
    parent_rows.delete_token(session, digest(token))
