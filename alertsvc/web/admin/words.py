"""The admin pages' sentences in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from flask_wtf import FlaskForm

from alertsvc.domain.message import Sayable
from alertsvc.http import edge
from alertsvc.i18n import Said


def say(message: Sayable) -> Said:
    """A sentence (`msg(...)`) in the request's language, marked as said: the shared
    templates' macros translate the labels they show, and leave a said one as it is."""
    return Said(edge.language().say(message))


def translate_labels(form: FlaskForm) -> FlaskForm:
    """Put a form's labels (marked with `forms._`) and its select options in the request's
    language, nested rows too; once per form, so a label set afterwards (with `say`) stays."""
    if not getattr(form, "_labels_said", False):
        _translate(form)
        form._labels_said = True
    return form


def _translate(fields: Iterable[Any]) -> None:
    language = edge.language()
    for field in fields:
        if field.type == "FieldList":
            _translate(field.entries)
        elif field.type == "FormField":
            _translate(field.form)
        else:
            if field.label is not None and field.label.text:
                field.label.text = Said(language.gettext(field.label.text))
            if field.type == "SelectField" and field.choices:
                # A language's own name (marked with its `lang`) stays as it is.
                field.choices = [
                    choice
                    if choice.render_kw.get("lang")
                    else replace(choice, label=language.gettext(choice.label))
                    for choice in field.choices
                ]
