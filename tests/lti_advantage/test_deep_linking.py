"""Deep linking round trips through the development platform over real HTTP: the picker, the
signed response the platform verifies, the placed links, and launches that open exactly the
placed item."""

import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import jwt
import pytest

from app.core.db import db
from app.devplatform.useragent import UserAgent
from app.lti.models import ResourceLink
from app.programme.models import Programme

pytestmark = pytest.mark.live
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = (attrs.get("action") or "", {})
            self.forms.append(self._current)
        elif (
            tag == "input"
            and self._current is not None
            and attrs.get("name")
            and attrs.get("type") not in ("checkbox", "radio")
        ):
            self._current[1][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def form_with(html: str, marker: str):
    """(action, fields) of the page's form whose action contains ``marker`` (pages also hold
    the language switch form)."""
    parser = _Forms()
    parser.feed(html)
    for action, fields in parser.forms:
        if marker in action:
            return action, None, fields
    raise AssertionError(f"no form posting to {marker!r}")


def first_form(html: str):
    return form_with(html, "deep_linking/return") if "deep_linking/return" in html else form_with(html, "deep-linking")


class Picker:
    def __init__(self, ags, user="4", **params):
        self.ags = ags
        self.agent = UserAgent(ags.live["platform_url"])
        first = self.agent.request(
            "GET", ags.live["platform_url"] + "/deep_linking/init", params={"user": user, **params}
        )
        self.page = self.agent.follow(first, [])

    def offered(self) -> list[str]:
        import re

        return re.findall(r'name="item" value="([^"]+)"', self.page.text)

    def choose(self, *items, action="add"):
        url, _method, fields = first_form(self.page.text)
        data = [("csrf_token", fields["csrf_token"]), ("action", action)] + [("item", i) for i in items]
        body = "&".join(f"{k}={v}" for k, v in data)
        return self.agent.request_raw("POST", urljoin(self.page.url, url), body)


def _post_form(agent, response):
    action, _method, fields = first_form(response.text)
    return agent.request("POST", urljoin(response.url, action), data=fields)


def _programme():
    return db.session.scalar(db.select(Programme))


def test_each_offered_item_round_trips_and_opens_exactly_that_item(ags, raw_agent):
    picker = Picker(ags)
    offered = picker.offered()
    assert offered[0] == "mentoring" and "tools" in offered
    assert any(o.startswith("content:") for o in offered)
    assert any(o.startswith("sparring:") for o in offered)  # the demo's sparring groups
    answer = picker.choose(*offered)
    assert answer.status_code == 200 and 'name="JWT"' in answer.text
    placed_page = _post_form(picker.agent, answer)
    assert placed_page.status_code == 200, placed_page.text
    links = ags.state.placed_links
    assert [link["custom"]["target"] for link in links.values()] == offered
    # "My mentoring" comes with its line item: the programme's required meetings, its resource id.
    programme = _programme()
    (item,) = [i for i in ags.state.line_items.values() if i["resourceLinkId"] == "dl-1"]
    assert (item["scoreMaximum"], item["resourceId"], item["manual"]) == (
        programme.required_meetings,
        f"mentoring:{programme.id}",
        False,
    )
    for link in links.values():
        target = link["custom"]["target"]
        kind, _, arg = target.partition(":")
        # A sparring group's space is for its members and staff: open it as the facilitator.
        who = "4" if kind == "sparring" else "5"
        result = UserAgent(ags.live["platform_url"]).launch(who, locale="fi", resource_link_id=link["id"])
        assert result.ok, (target, result.steps)
        landed = urlsplit(result.response.url)
        expected = {
            "mentoring": "/mentoring",
            "tools": "/material/",
            "content": f"/material/modules/{arg}",
            "sparring": f"/sparring/groups/{arg}",
        }[kind]
        assert landed.path == expected, (target, result.steps)
        if kind == "tools":
            assert landed.fragment == "section-tips"
    # The launch of the graded link carried its single line item, and the tool kept it.
    stored = db.session.scalar(db.select(ResourceLink).filter_by(resource_link_id="dl-1"))
    assert stored.target == "mentoring" and stored.lineitem_url.endswith("/lineitems/1/lineitem?type_id=1")


def test_data_is_echoed_and_only_accepted_types_come_back(ags, raw_agent):
    picker = Picker(ags, accept_multiple="0")
    assert 'type="radio"' in picker.page.text
    refused = picker.choose("mentoring", "tools")
    assert refused.status_code == 400 and 'id="picker-error"' in refused.text
    answer = picker.choose("tools")
    token = first_form(answer.text)[2]["JWT"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (
        claims[DL + "data"] and claims[CLAIM + "deployment_id"] == "1" and claims["aud"] == [ags.live["platform_url"]]
    )
    assert [i["type"] for i in claims[DL + "content_items"]] == ["ltiResourceLink"]
    assert _post_form(picker.agent, answer).status_code == 200
    # A platform that accepts no activity links gets none.
    other = Picker(ags, accept_types="link")
    assert other.page.status_code == 400 and 'data-reason="deep_linking_no_links"' in other.page.text


def test_cancel_returns_no_items(ags, raw_agent):
    picker = Picker(ags)
    answer = picker.choose(action="cancel")
    claims = jwt.decode(first_form(answer.text)[2]["JWT"], options={"verify_signature": False})
    assert claims[DL + "content_items"] == []
    assert _post_form(picker.agent, answer).status_code == 200 and not ags.state.placed_links


def test_a_learner_cannot_open_the_picker(ags, raw_agent):
    picker = Picker(ags, user="5")
    assert picker.page.status_code == 403
    assert "Only facilitators and administrators" in picker.page.text or "fasilitaattorit" in picker.page.text


@pytest.mark.parametrize(
    "bend, code",
    [
        (lambda c: c.update(aud=["https://other.example"]), "dl_aud"),
        (lambda c: c.update({CLAIM + "deployment_id": "99"}), "dl_deployment"),
        (lambda c: c.update({DL + "data": "forged"}), "dl_bad_data"),
        (lambda c: c[DL + "content_items"].append({"type": "file", "url": "https://x.example/f"}), "dl_type"),
        (lambda c: c.update({CLAIM + "message_type": "LtiResourceLinkRequest"}), "dl_message_type"),
        (lambda c: c.update(exp=int(time.time()) - 600), "dl_signature"),
    ],
)
def test_the_platform_checks_the_response(ags, raw_agent, bend, code):
    picker = Picker(ags)
    answer = picker.choose("tools")
    token = first_form(answer.text)[2]["JWT"]
    claims = jwt.decode(token, options={"verify_signature": False})
    bend(claims)
    key = ags.tool.extensions["lti_keys"].current()
    forged = jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
    response = picker.agent.request("POST", ags.live["platform_url"] + "/deep_linking/return", data={"JWT": forged})
    assert response.status_code == 400 and code in response.text, response.text


def test_the_platform_refuses_a_response_signed_with_another_key(ags, raw_agent):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    picker = Picker(ags)
    answer = picker.choose("tools")
    token = first_form(answer.text)[2]["JWT"]
    claims = jwt.decode(token, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kid = ags.tool.extensions["lti_keys"].current().kid
    forged = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
    response = picker.agent.request("POST", ags.live["platform_url"] + "/deep_linking/return", data={"JWT": forged})
    assert response.status_code == 400 and "dl_signature" in response.text
