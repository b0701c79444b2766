"""The teen's reference app at /app/: static files only (plain ES modules, a manifest and a
service worker in static/app/). Everything it knows it gets from the JSON API with its device
token, like any other client."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, send_from_directory
from flask.typing import ResponseReturnValue

APP_FOLDER = Path(__file__).resolve().parent.parent.parent / "static" / "app"

# Served at /app/<file>; the service worker at /app/sw.js therefore controls /app/ and no more.
blueprint = Blueprint("teen_app", __name__, static_folder=str(APP_FOLDER), static_url_path="/app")


@blueprint.get("/app")
def app_without_slash() -> ResponseReturnValue:
    """The app's own URLs are relative to /app/ (its scope and start URL)."""
    return redirect("/app/", 308)


@blueprint.get("/app/")
def index() -> ResponseReturnValue:
    """The app's one page."""
    return send_from_directory(APP_FOLDER, "index.html", mimetype="text/html")
