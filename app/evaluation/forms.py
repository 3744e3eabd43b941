"""The survey and question-editor forms (Flask-WTF: CSRF-protected, input kept on errors).

The checks are ``rules.check_answers`` and ``rules.check_questions`` (the same for any way the
input arrives); these forms only gather it and give it back on a 422.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms import Form as SubForm
from wtforms.fields.choices import SelectChoice

from . import rules

SCALE_HINTS = {1: _l("1 – not at all"), 5: _l("5 – fully")}
LANGUAGE_NAMES = {"fi": _l("In Finnish"), "sv": _l("In Swedish"), "en": _l("In English")}
QUESTIONS_MAX = 100  # rows one post may carry


class AnswerForm(FlaskForm):
    """A survey's answers: one field per question, named by the question's id (see ``answer_form``)."""

    def values(self) -> dict[str, str]:
        """What was given, by question id (for ``rules.check_answers``)."""
        return {field.name: str(field.data or "") for field in self if field.name != "csrf_token"}


def answer_form(questions: Sequence[Mapping[str, Any]], locale: str) -> type[AnswerForm]:
    """The form for ``questions``: a 1–5 choice for a scale, a text area for free text. Fields are
    reached as ``form.field(question_id)``; the attribute names carry a prefix so no question id
    can shadow the form's own attributes."""

    class Form(AnswerForm):
        pass

    for q in questions:
        label = rules.question_text(q, locale)
        field: Any
        if q["kind"] == rules.SCALE:
            options = [SelectChoice(str(v), str(SCALE_HINTS.get(v, v))) for v in rules.SCALE_VALUES]
            # validate_choice off: rules.check_answers says what is wrong in the survey's words.
            field = RadioField(label, choices=options, validate_choice=False, name=q["id"])
        else:
            field = TextAreaField(label, name=q["id"])
        setattr(Form, f"answer_{q['id']}", field)
    return Form


def field(form: AnswerForm, question_id: str) -> Any:
    return form[f"answer_{question_id}"]


class QuestionRow(SubForm):
    """One question in the editor; an empty new row adds none (``rules.check_questions``)."""

    id = HiddenField()
    fi = StringField(LANGUAGE_NAMES["fi"])
    sv = StringField(LANGUAGE_NAMES["sv"])
    en = StringField(LANGUAGE_NAMES["en"])
    kind = SelectField(
        _l("Kind of answer"),
        choices=[SelectChoice(rules.SCALE, _l("Scale 1–5")), SelectChoice(rules.TEXT, _l("Free text"))],
        validate_choice=False,  # rules.check_questions says "kind"
    )
    remove = BooleanField(_l("Remove this question"))


class QuestionsForm(FlaskForm):
    q = FieldList(FormField(QuestionRow), max_entries=QUESTIONS_MAX)

    def rows(self) -> list[dict[str, Any]]:
        """The rows as ``rules.check_questions`` takes them; a new row gets a fresh id, as answers
        are stored by question id."""
        return [
            {
                "id": entry.form.id.data or f"q{secrets.token_hex(4)}",
                "kind": entry.form.kind.data or "",
                "remove": bool(entry.form.remove.data),
                **{lang: entry.form[lang].data or "" for lang in rules.LANGUAGES},
            }
            for entry in self.q
        ]


def questions_form(questions: Sequence[Mapping[str, Any]] | None = None) -> QuestionsForm:
    """The editor: from the post when there is one, else the current questions and one empty row."""
    if questions is None:
        return QuestionsForm()
    rows = [{"id": q["id"], "kind": q["kind"], **{k: q["text"].get(k, "") for k in rules.LANGUAGES}} for q in questions]
    return QuestionsForm(data={"q": [*rows, {"id": "", "kind": rules.SCALE}]})
