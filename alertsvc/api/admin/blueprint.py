"""The admin API's blueprint and what its routes share."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api_admin", __name__)

TAGS = ("admin",)
