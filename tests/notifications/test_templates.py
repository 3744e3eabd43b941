"""Every mail template may use only the fields its kind carries: never confidential content."""

from pathlib import Path

from jinja2 import meta

from app.notifications.rules import CONFIDENTIAL, KINDS

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "notifications" / "templates" / "mail"
ALWAYS = {"part", "_", "gettext", "ngettext"}


def test_each_kind_has_a_template_and_each_template_a_kind():
    assert {p.stem for p in TEMPLATES.glob("*.html")} == set(KINDS) | {"footer"}


def test_templates_use_only_their_kinds_fields(app):
    for kind, spec in KINDS.items():
        source = (TEMPLATES / f"{kind}.html").read_text(encoding="utf-8")
        used = meta.find_undeclared_variables(app.jinja_env.parse(source)) - ALWAYS
        assert used <= spec.fields, (kind, used - spec.fields)
        assert not used & CONFIDENTIAL, kind
    assert not any(KINDS[k].fields & CONFIDENTIAL for k in KINDS)


def test_only_the_logger_gets_a_dispute_reason():
    carrying_reason = {kind for kind, spec in KINDS.items() if "reason" in spec.fields}
    assert carrying_reason == {"meeting_disputed"}
