"""The attendance list as a form: the people picker over the programme's registered participants."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from app.core.picker import PeoplePickerField


class AttendanceForm(FlaskForm):
    attended = PeoplePickerField(_l("Registered participants"))
