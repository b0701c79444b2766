"""The build compiles the translation catalogs (SPEC §10): every `pip install` ships `.mo`
files current with their `.po` sources. Everything else is in pyproject.toml."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = Path(__file__).parent / "alertsvc" / "i18n" / "catalogs"


def compile_catalogs() -> None:
    for source in sorted(CATALOGS.glob("*/LC_MESSAGES/messages.po")):
        with source.open("rb") as stream:
            catalog = read_po(stream, locale=source.parts[-3], domain="messages")
        with source.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        compile_catalogs()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
