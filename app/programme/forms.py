"""The programme set-up and registration forms (Flask-WTF: CSRF-protected, input kept on errors).

Field checks live here; the rules between fields are ``rules.programme_problems`` and
``rules.registration_problems``, whose messages are attached to the fields they are about.
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, Regexp

from app.core.labels import FORM_LABELS, LANGUAGE_LABELS, ROLE_WISH_LABELS
from app.core.picker import PeoplePickerField

from . import rules


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (plain tuples are deprecated since WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach(form: FlaskForm, problems) -> bool:
    """Put rule problems on their fields; True when there were none."""
    for field_name, message, params in problems:
        getattr(form, field_name).errors.append(gettext(message, **params))
    return not problems


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Give the programme a name.")), Length(max=255)])
    registration_opens = DateField(_l("Registration opens"), validators=[Optional()])
    registration_closes = DateField(_l("Registration closes"), validators=[Optional()])
    kickoff = DateField(_l("Kickoff"), validators=[InputRequired(_l("Give the date of the kickoff."))])
    midpoint = DateField(_l("Midpoint event"), validators=[Optional()])
    closing = DateField(_l("Closing event"), validators=[InputRequired(_l("Give the date of the closing event."))])
    required_meetings = IntegerField(
        _l("Meetings required for completion"),
        default=rules.DEFAULT_REQUIRED_MEETINGS,
        validators=[InputRequired(_l("Give a whole number.")), NumberRange(1, 100, _l("Between %(min)s and %(max)s."))],
    )
    min_meeting_minutes = IntegerField(
        _l("Shortest meeting (minutes)"),
        default=rules.DEFAULT_MIN_MINUTES,
        validators=[InputRequired(_l("Give a whole number.")), NumberRange(1, 600, _l("Between %(min)s and %(max)s."))],
    )
    max_meeting_minutes = IntegerField(
        _l("Longest meeting (minutes)"),
        default=rules.DEFAULT_MAX_MINUTES,
        validators=[InputRequired(_l("Give a whole number.")), NumberRange(1, 600, _l("Between %(min)s and %(max)s."))],
    )
    languages = SelectMultipleField(
        _l("Languages offered"),
        choices=choices(LANGUAGE_LABELS.items()),
        default=["fi", "sv", "en"],
        validate_choice=False,  # rules.programme_problems says "Unknown language."
    )
    prefer_cross_organisation = BooleanField(_l("Prefer pairs across organisations"))
    main_language = SelectField(
        _l("Main language"),
        choices=choices(LANGUAGE_LABELS.items()),
        default="fi",
        validate_choice=False,  # AnyOf says it in the tool's words
        validators=[AnyOf(list(LANGUAGE_LABELS), _l("Choose one of the languages offered."))],
    )
    moodle_url = StringField(
        _l("Moodle address of the programme"),
        filters=[lambda value: (value or "").strip() or None],
        validators=[
            Optional(),
            Length(max=1024),
            Regexp(r"^https?://\S+$", message=_l("Give the address of the programme's page in Moodle (https://…).")),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        # The cross-field rules run in the same round as the field checks, over the fields that
        # passed them, so one submit lists every problem.
        ok = super().validate(extra_validators)

        def checked(name: str):
            field = getattr(self, name)
            return None if field.errors else field.data

        consistent = attach(
            self,
            rules.programme_problems(
                registration_opens=checked("registration_opens"),
                registration_closes=checked("registration_closes"),
                kickoff=checked("kickoff"),
                midpoint=checked("midpoint"),
                closing=checked("closing"),
                required_meetings=checked("required_meetings"),
                min_meeting_minutes=checked("min_meeting_minutes"),
                max_meeting_minutes=checked("max_meeting_minutes"),
                languages=self.languages.data or [],
            ),
        )
        return ok and consistent


class NamedForm(FlaskForm):
    """An organisation's or a theme's name in the three languages."""

    name_fi = StringField(
        _l("Name in Finnish"), validators=[InputRequired(_l("Give the name in Finnish.")), Length(max=255)]
    )
    name_sv = StringField(_l("Name in Swedish"), validators=[Optional(), Length(max=255)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=255)])


class OrganisationForm(NamedForm):
    code = StringField(
        _l("Short code"), validators=[InputRequired(_l("Give a short code, e.g. SYKE.")), Length(max=32)]
    )


class RegistrationFields(FlaskForm):
    """Only what matching needs (no gender, age or other personal traits)."""

    # Choices are checked by rules.registration_problems, with messages of our own.
    role_wish = RadioField(_l("The role you wish"), choices=choices(ROLE_WISH_LABELS.items()), validate_choice=False)
    forms = SelectMultipleField(
        _l("Forms of mentoring you accept"), choices=choices(FORM_LABELS.items()), validate_choice=False
    )
    organisation_id = SelectField(_l("Your organisation"), choices=[], validate_choice=False)
    unit = StringField(_l("Your unit or team"), validators=[Optional(), Length(max=255)])
    themes_offered = SelectMultipleField(_l("Themes you can offer"), choices=[], validate_choice=False)
    themes_wanted = SelectMultipleField(_l("Themes you want to develop"), choices=[], validate_choice=False)
    goals = TextAreaField(_l("Your goals"), validators=[Length(max=rules.GOALS_MAX)])
    languages = SelectMultipleField(_l("Languages you can mentor in"), choices=[], validate_choice=False)
    meeting_preferences = TextAreaField(_l("Meeting preferences"), validators=[Optional(), Length(max=1000)])
    capacity = RadioField(
        _l("As a mentor, how many aktoris can you take?"),
        choices=choices([("1", _l("One aktori")), ("2", _l("Two aktoris (group mentoring)"))]),
        default="1",
        validate_choice=False,
    )
    counterpart_user_id = PeoplePickerField(_l("A person on the course"), single=True)
    counterpart_name = StringField(_l("Or their name"), validators=[Optional(), Length(max=255)])
    counterpart_contact = StringField(_l("Their email or phone"), validators=[Optional(), Length(max=320)])
    must_not_pair = PeoplePickerField(_l("People on the course"))
    must_not_pair_names = TextAreaField(
        _l("Or type their names, one per line"), validators=[Optional(), Length(max=2000)]
    )
    mentor_tip = TextAreaField(_l("Tip of a potential mentor"), validators=[Optional(), Length(max=1000)])


class TipForm(FlaskForm):
    """A tip about a colleague not yet in the course; the rules are ``rules.tip_problems``."""

    tip_name = StringField(_l("Your colleague's name"), validators=[Length(max=255)])
    tip_organisation = SelectField(_l("Their organisation"), choices=[], validate_choice=False)
    tip_email = StringField(_l("Their e-mail address"), validators=[Length(max=320)])
    tip_role = RadioField(
        _l("The role you suggest for them"),
        choices=choices([("mentor", _l("mentor")), ("aktori", _l("aktori")), ("peer", _l("peer"))]),
        validate_choice=False,
    )
    tip_why = TextAreaField(_l("Why (one line)"), validators=[Length(max=rules.TIP_WHY_MAX)])


class RegistrationForm(RegistrationFields, TipForm):
    """The registration with its optional tip section (all or nothing: ``rules.optional_tip_problems``)."""
