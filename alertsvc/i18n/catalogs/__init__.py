"""Where the catalogs live, and loading one.

The build compiles each `messages.po` beside it into `messages.mo` (`make catalogs`, and
`pip install` through setup.py's build step). A catalog whose `.mo` is missing or older than
its `.po` (a source checkout that skipped the build) is compiled in memory instead, with a
warning, so the service never answers in English by accident.
"""

from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

CATALOG_DIR = Path(__file__).parent
DOMAIN = "messages"


def po_path(catalog: str) -> Path:
    return CATALOG_DIR / catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(catalog: str) -> bytes:
    """The `.mo` bytes of one catalog, compiled from its `.po` (fuzzy entries left out)."""
    with po_path(catalog).open("rb") as source:
        parsed = read_po(source, locale=catalog, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, parsed, use_fuzzy=False)
    return compiled.getvalue()


SOURCE_CATALOG = "en"  # the messages are written in English: its "catalog" is the source


@cache
def load_catalog(catalog: str) -> NullTranslations:
    """The translations of one shipped catalog, loaded once per process."""
    if catalog == SOURCE_CATALOG:
        return NullTranslations()
    source = po_path(catalog)
    compiled = source.with_suffix(".mo")
    if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
        with compiled.open("rb") as stream:
            return Translations(stream, domain=DOMAIN)
    log.warning("catalog %s is not compiled (run `make catalogs`); compiling it in memory", catalog)
    return Translations(io.BytesIO(compile_catalog(catalog)), domain=DOMAIN)
