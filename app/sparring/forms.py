"""The sparring pages' forms (Flask-WTF: CSRF-protected, input kept on errors, one error summary).

Field names stay those of the pages (``name``, ``date``, ``body``…); each field's ``id`` is its
own, as a page holds several of these forms at once. Choices that depend on the course (staff,
participants, groups, modules) are given by the view; a value outside them is refused by an
``AnyOf`` in the tool's words, not WTForms' "Not a valid choice".
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.clock import NonexistentTime, helsinki_to_utc
from app.programme.models import Programme

from ..programme.rules import web_link
from ..programme.services import outside_programme
from .models import AUDIENCES

TITLE_MAX = 200
BODY_MAX = 20_000
NAME_MAX = 255
URL_MAX = 1024


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("The text can be at most %(max)d characters."))


def _choose(field: SelectField | RadioField | SelectMultipleField, pairs, message) -> None:
    """Give a choice field its choices and refuse anything else with ``message``."""
    field.choices = [SelectChoice(str(value), label) for value, label in pairs]
    allowed = [choice.value for choice in field.choices]
    field.validators = [*field.validators, AnyOf(allowed, message=message)]


class GroupSettingsForm(FlaskForm):
    name = StringField(
        _l("Name"),
        id="group-name",
        filters=[_strip],
        validators=[
            InputRequired(_l("Give the group a name.")),
            Length(max=NAME_MAX, message=_l("The name can be at most %(max)d characters.")),
        ],
    )
    facilitator_id = SelectField(_l("Facilitator"), id="group-facilitator", default="", validate_choice=False)

    def with_staff(self, staff) -> GroupSettingsForm:
        _choose(
            self.facilitator_id,
            [("", gettext("(name later)"))] + [(person.id, person.display_name) for person in staff],
            _l("Choose a facilitator from the course's staff."),
        )
        return self

    @property
    def facilitator(self) -> int | None:
        return int(self.facilitator_id.data) if self.facilitator_id.data else None


class GroupForm(GroupSettingsForm):
    audience = RadioField(
        _l("For whom"),
        id="audience-choice",
        validate_choice=False,
        validators=[InputRequired(_l("Choose whether the group is for mentors or for aktoris."))],
    )

    def with_audiences(self, names) -> GroupForm:
        _choose(
            self.audience,
            [(audience, names[audience]) for audience in AUDIENCES],
            _l("Choose whether the group is for mentors or for aktoris."),
        )
        return self


class AssignForm(FlaskForm):
    audience = HiddenField(validators=[AnyOf(list(AUDIENCES))])
    include_peers = BooleanField(_l("Also place peers who are not in a group yet"))


class AddMembersForm(FlaskForm):
    user_id = SelectMultipleField(
        _l("Registered participants not yet in a group"),
        id="add",
        validate_choice=False,
        validators=[InputRequired(_l("Choose at least one participant to add."))],
    )

    def with_people(self, pairs) -> AddMembersForm:
        _choose(self.user_id, pairs, _l("Only registered participants can be added."))
        return self

    @property
    def user_ids(self) -> list[int]:
        return [int(value) for value in self.user_id.data or []]


class MoveForm(FlaskForm):
    to_group = SelectField(
        _l("Move to"), validate_choice=False, validators=[InputRequired(_l("Choose the group to move them to."))]
    )

    def with_groups(self, pairs) -> MoveForm:
        _choose(self.to_group, pairs, _l("Choose the group to move them to."))
        return self


class SessionForm(FlaskForm):
    """A session in Finnish time, on a day of the programme."""

    date = DateField(_l("Date"), id="session-date", validators=[InputRequired(_l("Give the date of the session."))])
    time = TimeField(_l("Start time"), id="session-time", validators=[InputRequired(_l("Give the start time."))])
    duration = IntegerField(
        _l("Length in minutes"),
        id="session-duration",
        default=60,
        validators=[
            InputRequired(_l("Give the length in minutes, between 5 and 600.")),
            NumberRange(5, 600, _l("Give the length in minutes, between 5 and 600.")),
        ],
    )
    video_url = StringField(
        _l("Video link"), id="session-url", filters=[_strip], validators=[Optional(), _too_long(URL_MAX)]
    )
    agenda = TextAreaField(
        _l("Agenda (Markdown)"), id="session-agenda", filters=[_strip], validators=[_too_long(BODY_MAX)]
    )

    def __init__(self, programme: Programme, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.starts_at: datetime | None = None

    def validate_video_url(self, field) -> None:
        if field.data and not web_link(field.data):
            raise ValidationError(gettext("The link must be a web address starting with https://."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.date.errors or self.time.errors:
            return False
        # The day and the moment are checked in the same round as the other fields.
        refusal = outside_programme(self.programme, self.date.data)
        if refusal:
            self.date.errors.append(refusal)
            return False
        try:
            self.starts_at = helsinki_to_utc(self.date.data, self.time.data)
        except NonexistentTime:
            self.time.errors.append(
                gettext("That time does not exist in Finland: clocks skip from 03:00 to 04:00 that night.")
            )
            return False
        return ok


class ModuleLinkForm(FlaskForm):
    module_id = SelectField(_l("Link a module of the reading material"), id="material-module", validate_choice=False)

    def with_modules(self, modules) -> ModuleLinkForm:
        _choose(self.module_id, [(m.id, m.title) for m in modules], _l("Choose a module of the reading material."))
        return self


class NoteForm(FlaskForm):
    title = StringField(
        _l("Note title"),
        id="note-title",
        filters=[_strip],
        validators=[InputRequired(_l("Give the note a title.")), _too_long(TITLE_MAX)],
    )
    body = TextAreaField(
        _l("Note (Markdown)"),
        id="note-body",
        filters=[_strip],
        validators=[InputRequired(_l("Write the note's text.")), _too_long(BODY_MAX)],
    )


def _message(label, field_id: str) -> TextAreaField:
    return TextAreaField(
        label,
        id=field_id,
        filters=[_strip],
        validators=[InputRequired(_l("Write something first.")), _too_long(BODY_MAX)],
    )


class PostForm(FlaskForm):
    body = _message(_l("Your reply"), "reply-body")


class EditPostForm(FlaskForm):
    body = _message(_l("Message"), "edit-body")


class ThreadForm(FlaskForm):
    title = StringField(
        _l("Title"),
        id="thread-title",
        filters=[_strip],
        validators=[InputRequired(_l("Give the thread a title.")), _too_long(TITLE_MAX)],
    )
    body = _message(_l("Message"), "thread-body")
