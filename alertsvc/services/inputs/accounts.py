"""What a parent types to sign up and to log in."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid", title="SignUp")

    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=1024)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Credentials")

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
