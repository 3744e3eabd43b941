"""The people picker in a real browser: with JavaScript the list filters as one types and the
live region counts the matches (attendance: type, tick, save); without JavaScript the search
button asks the server and everything typed comes back (registration: type, search, tick,
save). axe-core finds no violation on either page in fi, sv and en."""

import re

import pytest

from app.core.db import db
from app.events.models import Attendance, ProgrammeEvent
from app.people.models import User
from app.programme.models import Registration
from tests.support.browser import assert_no_axe_violations, chromium, launch_in_iframe, tool_frame

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _token(page, tool_url) -> str:
    return re.search(r"[?&]s=([^&#]+)", tool_frame(page, tool_url).url).group(1)


def _kickoff_and_someone_not_recorded(tool):
    with tool.app_context():
        kickoff = db.session.scalar(db.select(ProgrammeEvent).filter_by(slot="kickoff"))
        recorded = set(db.session.scalars(db.select(Attendance.user_id).filter_by(event_id=kickoff.id)))
        person = db.session.scalar(
            db.select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.programme_id == kickoff.programme_id,
                Registration.withdrawn_at.is_(None),
                User.id.not_in(recorded or {0}),
            )
            .order_by(User.family_name, User.id)
            .limit(1)
        )
        return kickoff.id, person.id, person.display_name


def _recorded(tool, event_id):
    with tool.app_context():
        return set(db.session.scalars(db.select(Attendance.user_id).filter_by(event_id=event_id)))


def _must_not_pair(tool, subject_given):
    with tool.app_context():
        aino = db.session.scalar(db.select(User).filter_by(given_name=subject_given, family_name="Virtanen"))
        return db.session.scalar(db.select(Registration.must_not_pair).filter_by(user_id=aino.id))


def test_with_javascript_the_attendance_list_filters_as_one_types(tmp_path, live):
    tool_url, platform_url, tool = live["tool_url"], live["platform_url"], live["tool"]
    event_id, person_id, name = _kickoff_and_someone_not_recorded(tool)
    with chromium(tmp_path / "profile") as context:
        page, _frame = launch_in_iframe(context, platform_url, "Helena Saarinen", "Tervetuloa, Helena")
        token = _token(page, tool_url)
        url = f"{tool_url}/events/{event_id}/attendance?s={token}"
        check = context.new_page()
        check.goto(url)
        picker = check.locator("#attended")
        picker.get_by_label("Hae nimellä tai organisaatiolla").type(name.lower())
        status = picker.locator(".picker-status")
        assert picker.get_attribute("data-picker-ready") == "1"
        # With the script the server's search button goes: Enter in another field saves the form.
        search_button = picker.locator(".picker-search button")
        assert search_button.is_hidden() and search_button.get_attribute("type") == "button"
        status.filter(has_text=re.compile(r"^1 henkilö vastaa hakua\.$")).wait_for(timeout=5000)
        assert status.get_attribute("role") == "status"  # announced by screen readers
        options = picker.locator(".picker-options li:visible")
        assert options.count() == 1 and name in options.inner_text()
        # Enter in the search box filters; it does not submit the form.
        picker.get_by_label("Hae nimellä tai organisaatiolla").press("Enter")
        check.wait_for_timeout(300)
        assert check.url == url and options.count() == 1
        options.first.locator("input").check()
        before = _recorded(tool, event_id)
        check.get_by_role("button", name="Tallenna osallistujat").click()
        check.locator(".flash").filter(has_text="Osallistuminen tallennettiin: 1 lisätty").wait_for()
        assert _recorded(tool, event_id) == before | {person_id}
        for lang in ("fi", "sv", "en"):
            assert_no_axe_violations(context, f"{url}&lang={lang}")


def test_without_javascript_a_search_keeps_the_registration_typed(tmp_path, live):
    tool_url, platform_url, tool = live["tool_url"], live["platform_url"], live["tool"]
    with tool.app_context():
        mikko = db.session.scalar(db.select(User).filter_by(given_name="Mikko", family_name="Korhonen"))
        mikko_id = mikko.id
    with chromium(tmp_path / "profile") as context:
        page, _frame = launch_in_iframe(context, platform_url, "Aino Virtanen", "Tervetuloa, Aino")
        token = _token(page, tool_url)
        url = f"{tool_url}/register?s={token}"
        for lang in ("fi", "sv", "en"):
            assert_no_axe_violations(context, f"{url}&lang={lang}")
        check = context.new_page()
        check.context.new_cdp_session(check).send("Emulation.setScriptExecutionDisabled", {"value": True})
        check.goto(url)
        assert check.locator("#must_not_pair").get_attribute("data-picker-ready") is None  # no script ran
        check.locator("#unit").fill("Yksikkö ennen hakua")
        check.locator("#goals").fill("Tavoite, joka ei saa kadota")
        picker = check.locator("#must_not_pair")
        picker.get_by_label("Hae nimellä tai organisaatiolla").fill("korhonen")
        picker.get_by_role("button", name="Hae").click()
        check.wait_for_url(re.compile(r"picked=1"))
        assert "Tavoite" not in check.url and "korhonen" not in check.url  # nothing typed in the address
        assert check.locator("#unit").input_value() == "Yksikkö ennen hakua"
        assert check.locator("#goals").input_value() == "Tavoite, joka ei saa kadota"
        assert picker.get_by_label("Hae nimellä tai organisaatiolla").input_value() == "korhonen"
        options = picker.locator(".picker-options li:visible")
        assert options.count() == 1 and "Mikko Korhonen" in options.inner_text()
        assert_no_axe_violations(context, check.url)  # the form as the search brought it back
        options.first.locator("input").check()
        check.get_by_role("button", name="Tallenna ilmoittautumiseni").click()
        check.get_by_text("Ilmoittautumisesi on tallennettu").wait_for()
        assert mikko_id in _must_not_pair(tool, "Aino")
        assert check.locator("#unit").input_value() == "Yksikkö ennen hakua"
