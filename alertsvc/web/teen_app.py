"""The teen's reference app at /app/: static files only (plain ES modules, a manifest and a
service worker in static/app/). Everything it knows it gets from the JSON API with its device
token, like any other client.

Its words come from the service's own gettext catalogs: the JavaScript marks each sentence
`t("English")` or `tn("one", "many", n)` (extracted by `make messages` like the Python's), and
`/app/messages/<tag>.json` serves the translations of those sentences, and no others, as
`{msgid: translation}`; a plural's translation is `{CLDR category: form}` (`one`, `few`, …),
which the app picks with `Intl.PluralRules`."""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

import orjson
from babel.messages.extract import extract
from flask import Blueprint, Response, abort, redirect, request, send_from_directory
from flask.typing import ResponseReturnValue

from alertsvc.i18n import Language, language, supported_tag

APP_FOLDER = Path(__file__).resolve().parent.parent.parent / "static" / "app"

# The app's translation keywords, as `make messages` extracts them (EXTRACT_KEYWORDS).
_KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": None, "tn": (1, 2)}

# What is sent compressed (the app's text files; its whole first load is held to 50 KB).
_COMPRESSED = {
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
}

# Served at /app/<file>; the service worker at /app/sw.js therefore controls /app/ and no more.
blueprint = Blueprint("teen_app", __name__, static_folder=str(APP_FOLDER), static_url_path="/app")


@blueprint.after_request
def _compress(response: Response) -> Response:
    """gzip the app's files for a browser that takes it (every one does), as a reverse proxy
    would; the ETag becomes weak (same content, another encoding), so revalidation still
    answers 304."""
    if (
        response.status_code != 200
        or response.mimetype not in _COMPRESSED
        or not request.accept_encodings["gzip"]
        or "Content-Encoding" in response.headers
    ):
        return response
    response.direct_passthrough = False
    body = response.get_data()
    response.close()  # the file it was read from
    response.set_data(_gzipped(body))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


@lru_cache(maxsize=64)
def _gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9, mtime=0)


@blueprint.get("/app")
def app_without_slash() -> ResponseReturnValue:
    """The app's own URLs are relative to /app/ (its scope and start URL)."""
    return redirect("/app/", 308)


@blueprint.get("/app/")
def index() -> ResponseReturnValue:
    """The app's one page."""
    return send_from_directory(APP_FOLDER, "index.html", mimetype="text/html")


@blueprint.get("/app/messages/<tag>.json")
def messages(tag: str) -> ResponseReturnValue:
    """The app's sentences in one language; 404 for a language we do not speak (the app then
    stays in English). Revalidated on each use (an ETag makes that a 304), so a new release's
    words show at once; the service worker keeps a copy for offline use."""
    found = supported_tag(tag)
    if found is None:
        abort(404)
    body, etag = _messages_json(found)
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["Content-Language"] = found
    response.set_etag(etag)
    return response.make_conditional(request)


@lru_cache(maxsize=1)
def app_msgids() -> tuple[str | tuple[str, str], ...]:
    """Every sentence the app's scripts mark (`t`, `tn`), in the order they appear: read from
    static/app/*.js once, with the same extractor as `make messages`."""
    found: dict[str | tuple[str, str], None] = {}
    for script in sorted(APP_FOLDER.glob("*.js")):
        with script.open("rb") as source:
            for _line, message, _comments, _context in extract(
                "javascript", source, keywords=_KEYWORDS, comment_tags=()
            ):
                key = message if isinstance(message, str) else (message[0], message[1])
                found[key] = None
    return tuple(found)


@lru_cache(maxsize=64)
def _messages_json(tag: str) -> tuple[bytes, str]:
    speaking = language(tag)
    said: dict[str, str | dict[str, str]] = {}
    for msgid in app_msgids():
        if isinstance(msgid, str):
            said[msgid] = speaking.gettext(msgid)
        else:
            said[msgid[0]] = _plural_forms(speaking, *msgid)
    body = orjson.dumps(said)
    return body, hashlib.sha256(body).hexdigest()[:32]


def _plural_forms(speaking: Language, singular: str, plural: str) -> dict[str, str]:
    """Each CLDR plural category of the language with its form, found by a number that
    falls in it (Arabic: zero, one, two, few, many, other)."""
    rule = speaking.locale.plural_form
    forms: dict[str, str] = {}
    for number in range(200):
        category = rule(number)
        if category not in forms:
            forms[category] = speaking.ngettext(singular, plural, number)
    return forms
