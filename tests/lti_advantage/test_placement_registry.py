"""The deep-linking offers registry: app/lti asks what the areas registered, in their order."""

from flask import Flask

from app.lti import placements


def _app():
    app = Flask(__name__)
    placements.register(
        app,
        (
            "mentoring",
            lambda course_id, lang: [{"key": "mentoring", "title": f"{course_id}:{lang}"}],
            lambda _arg, **v: "/m",
        ),
        (
            "content",
            lambda course_id, lang: [{"key": "content:a"}, {"key": "content:b"}],
            lambda module_id, **v: f"/c/{module_id}?s={v['s']}",
        ),
    )
    return app


def test_items_come_area_by_area_in_registration_order():
    with _app().app_context():
        assert [i["key"] for i in placements.offered_items(7, "fi")] == ["mentoring", "content:a", "content:b"]
        assert placements.offered_items(7, "fi")[0]["title"] == "7:fi"


def test_a_placed_item_opens_its_areas_page():
    with _app().app_context():
        assert placements.target_url("content:a", s="tok") == "/c/a?s=tok"
        assert placements.target_url("mentoring") == "/m"


def test_an_unregistered_or_malformed_target_opens_nothing():
    with _app().app_context():
        assert placements.target_url("sparring:3") is None  # sparring not registered in this app
        assert placements.target_url("content:../x") is None
        assert placements.mentoring_resource(7) is None  # no graded resource registered


def test_the_registered_graded_resource_answers():
    app = _app()
    placements.register_graded_resource(app, lambda course_id: f"mentoring:{course_id}")
    with app.app_context():
        assert placements.mentoring_resource(5) == "mentoring:5"


def test_an_offer_may_say_why_it_offers_nothing_yet():
    app = _app()  # neither of its offers says anything
    note = {"text": "needs a programme", "url": "/programmes/new", "label": "Set up"}
    placements.register(
        app, ("sparring", lambda course_id, lang: [], lambda _arg, **v: None, lambda course_id: dict(note, c=course_id))
    )
    placements.register(app, ("events", lambda course_id, lang: [], lambda _arg, **v: None, lambda course_id: None))
    with app.app_context():
        assert placements.waiting_offers(3) == [dict(note, c=3)]
