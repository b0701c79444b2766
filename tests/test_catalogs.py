"""The translation catalogs (SPEC §10): every sentence of the source is in `messages.pot`,
every shipped catalog translates every one of them with the same placeholders, and what the
service loads is compiled from what is committed."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from alertsvc.i18n import CATALOGS
from alertsvc.i18n.catalogs import CATALOG_DIR, compile_catalog, po_path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [catalog for catalog in CATALOGS if catalog != "en"]  # English is the source
# The Makefile's `messages` target passes the same (EXTRACT_KEYWORDS).
KEYWORDS = {**DEFAULT_KEYWORDS, "msg": None, "msg_n": (1, 2), "t": None, "tn": (1, 2)}
# `%(name)s` / `%(count)d` in Python and Jinja, `{name}` in the app's JavaScript.
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
# A count may be left out of a plural form that names it in words ("une minute").
_MAY_OMIT = frozenset({"count", "num", "n"})


def _key(message: Message) -> str | tuple[str, ...]:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _source_messages() -> set[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return {key for key in found if key}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream, locale=locale)


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _placeholders(text: str) -> set[str]:
    return {named or braced for named, braced in _PLACEHOLDER.findall(text)}


def test_the_template_holds_exactly_the_sentences_of_the_source() -> None:
    template = {_key(m) for m in _messages(_read(CATALOG_DIR / "messages.pot"))}
    source = _source_messages()
    assert source - template == set(), "not extracted yet: run `make messages`"
    assert template - source == set(), "no longer in the source: run `make messages`"


@pytest.mark.parametrize("catalog", SHIPPED)
def test_every_sentence_is_translated_with_the_same_placeholders(catalog: str) -> None:
    template = {_key(m) for m in _messages(_read(CATALOG_DIR / "messages.pot"))}
    translated = _read(po_path(catalog), catalog)
    entries = {_key(m): m for m in _messages(translated)}
    assert set(entries) == template, f"{catalog} differs from messages.pot: run `make messages`"
    problems: list[str] = []
    for key, entry in entries.items():
        singular = key if isinstance(key, str) else key[0]
        wanted = _placeholders(singular) | (
            set() if isinstance(key, str) else _placeholders(key[1])
        )
        forms = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if entry.fuzzy:
            problems.append(f"fuzzy: {singular!r}")
        if not isinstance(key, str) and len(forms) != translated.num_plurals:
            problems.append(
                f"{len(forms)} plural forms, {translated.num_plurals} wanted: {singular!r}"
            )
        for form in forms:
            if not form.strip():
                problems.append(f"untranslated: {singular!r}")
                continue
            found = _placeholders(form)
            allowed_missing = _MAY_OMIT if not isinstance(key, str) else frozenset()
            if found - wanted or (wanted - found) - allowed_missing:
                problems.append(f"placeholders {sorted(found)} ≠ {sorted(wanted)}: {singular!r}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("catalog", SHIPPED)
def test_the_compiled_catalog_is_the_committed_one(catalog: str) -> None:
    compiled = po_path(catalog).with_suffix(".mo")
    assert compiled.exists(), "not compiled: `make catalogs` (make run/test do it)"
    assert compiled.read_bytes() == compile_catalog(catalog), "stale: run `make catalogs`"


@pytest.mark.slow
def test_a_built_wheel_ships_every_compiled_catalog(tmp_path: Path) -> None:
    """`pip install` from a checkout (no .mo committed) compiles the catalogs in its build."""
    checkout = tmp_path / "checkout"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{ROOT}", str(checkout)], check=True
    )
    for path in CATALOG_DIR.rglob("*.po"):  # the working tree's catalogs, committed or not
        target = checkout / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    assert not list(checkout.rglob("*.mo"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(checkout)],
        check=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("alertsvc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for catalog in SHIPPED:
        assert f"alertsvc/i18n/catalogs/{catalog}/LC_MESSAGES/messages.mo" in names
