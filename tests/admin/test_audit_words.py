"""The audit log in words: every action anywhere in app/ reads as a sentence "who did what to whom
or what, when" in the reader's language."""

import ast
import re
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.admin import audit_words
from app.core.audit import record
from app.core.db import db
from app.people.models import User
from tests.support.admin_seed import seed
from tests.support.admin_web import administrator, facilitator

APP = Path(__file__).resolve().parents[2] / "app"
CATALOGUES = APP / "translations"


def _call_name(call: ast.Call) -> str | None:
    """``record(…)``, ``audit.record(…)`` or a helper called by name; not a method of anything else."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "audit":
        return func.attr
    return None


def _codes(node: ast.AST) -> tuple[set[str], set[str]]:
    """The action codes an argument can be: literals (both arms of an ``if``) and, for an
    f-string, a pattern."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, set()
    if isinstance(node, ast.IfExp):
        body, body_patterns = _codes(node.body)
        other, other_patterns = _codes(node.orelse)
        return body | other, body_patterns | other_patterns
    if isinstance(node, ast.JoinedStr):
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else r"\w+" for v in node.values]
        return set(), {"".join(parts)}
    return set(), set()


def audit_actions_in_app() -> tuple[set[str], set[str]]:
    """Every action code passed to ``record()`` in app/, also through helpers that hand their own
    parameter on to it (``_audit_change(action, …)``), found by reading the source."""
    trees = [ast.parse(path.read_text(), str(path)) for path in APP.rglob("*.py")]
    carriers = {"record": 0}  # function name → position of the action argument
    changed = True
    while changed:  # a helper that passes its parameter to a carrier is a carrier too
        changed = False
        for tree in trees:
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef) or function.name in carriers:
                    continue
                params = [a.arg for a in function.args.args]
                for call in ast.walk(function):
                    if isinstance(call, ast.Call) and _call_name(call) in carriers:
                        position = carriers[_call_name(call)]
                        arg = call.args[position] if len(call.args) > position else None
                        if isinstance(arg, ast.Name) and arg.id in params:
                            carriers[function.name] = params.index(arg.id)
                            changed = True
    codes: set[str] = set()
    patterns: set[str] = set()
    for tree in trees:
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and _call_name(call) in carriers:
                position = carriers[_call_name(call)]
                if len(call.args) > position:
                    found, found_patterns = _codes(call.args[position])
                    codes |= found
                    patterns |= found_patterns
    return codes, patterns


def _translations(locale: str) -> dict[str, tuple[str, bool]]:
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po)
    return {m.id: (m.string, m.fuzzy) for m in catalogue if m.id}


def test_every_audit_action_in_app_has_a_sentence_in_finnish_swedish_and_english():
    codes, patterns = audit_actions_in_app()
    assert len(codes) >= 50 and "mentoring.change_declined" in codes and "matching.unlock" in codes
    assert patterns == {r"groups\.sounding\.\w+"}
    from app.groups.rules import ANSWERS

    codes |= {f"groups.sounding.{answer}" for answer in ANSWERS}
    assert sorted(codes - set(audit_words.ACTION_SENTENCES)) == []
    assert sorted(codes - set(audit_words.ACTION_LABELS)) == []
    english = _translations("en")
    for locale in ("fi", "sv"):
        catalogue = _translations(locale)
        for code in sorted(codes):
            for text in (audit_words.ACTION_SENTENCES[code], audit_words.ACTION_LABELS[code]):
                msgid = text._args[0]
                assert msgid in english, (code, msgid)
                translated, fuzzy = catalogue.get(msgid, ("", False))
                assert translated and not fuzzy, (locale, code, msgid)
                if text is audit_words.ACTION_SENTENCES[code]:
                    for field in ("who", "when"):
                        assert f"%({field})s" in msgid and f"%({field})s" in translated, (locale, code)


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


@pytest.mark.parametrize(
    ("locale", "published", "named"),
    [
        (
            "fi",
            "Fanni Fasilitaattori julkaisi parin tai ryhmän Maija Mentori ja Aku Äijälä 4.12.2026 14.05.",
            "Fanni Fasilitaattori nimesi henkilön Anni Aktori organisaation SYKE fi yhteyshenkilöksi 4.12.2026 14.05.",
        ),
        (
            "sv",
            "Fanni Fasilitaattori publicerade matchningen Maija Mentori och Aku Äijälä den 4 dec. 2026 14:05.",
            "Fanni Fasilitaattori utsåg Anni Aktori till kontaktperson för SYKE sv den 4 dec. 2026 14:05.",
        ),
        (
            "en",
            "Fanni Fasilitaattori published the match of Maija Mentori and Aku Äijälä on Dec 4, 2026",
            "Fanni Fasilitaattori named Anni Aktori the contact person of SYKE en on Dec 4, 2026",
        ),
    ],
)
def test_the_audit_log_reads_who_did_what_to_whom_when(app, platform, seeded, locale, published, named):
    facilitator(app, platform)
    fanni = db.session.scalar(select(User).filter_by(subject="fac-1"))
    moment = datetime(2026, 12, 4, 12, 5)  # 14.05 in Helsinki
    calls = [
        (
            "matching.publish",
            fanni,
            f"programme:{seeded.programme.id}",
            {"group_ids": [seeded.groups["pair1"].id]},
        ),
        (
            "agency.contact_named",
            fanni,
            f"organisation:{seeded.organisations['SYKE'].id}",
            {"user_id": seeded.people["a2"].id, "contact_id": 1},
        ),
        ("lti.keys_rotated", None, "key:abc", {"previous_kid": None}),
    ]
    for action, actor, target, details in calls:
        entry = record(action, actor=actor, course=seeded.course, target=target, details=details)
        entry.created_at = moment  # before anything flushes it: entries are append-only
    db.session.commit()
    body = administrator(app, platform, locale=locale).page("/admin/audit")
    rows = re.findall(r'<td class="audit-sentence"[^>]*>([^<]+)</td>', body.split("<tbody>")[1])
    text = " | ".join(row.replace("&#39;", "'") for row in rows)
    assert published in text and named in text, text
    assert not re.search(r"\b[a-z_]+:\d+\b|\d{4}-\d{2}-\d{2}|\b[a-z]+\.[a-z_]+\b", text), text


def test_details_leave_row_ids_to_the_sentence_and_scores_read_as_numbers(app):
    with app.test_request_context("/"):
        lines = audit_words.detail_lines({"user_id": 7, "group_ids": [3, 4], "rows": 12, "scores": 6.0})
    assert [text for _label, text in lines] == ["12", "6"]
