"""Helpers for the material pages' tests: launched viewers with any role, course and locale."""

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from tests.support.lti_double import INSTRUCTOR, LEARNER


@dataclass
class Viewer:
    """One launched person: their own test client and session token."""

    client: object
    token: str

    def get(self, path: str, **params):
        params = {k: v for k, v in params.items() if v is not None}
        params["s"] = self.token
        return self.client.get(path, query_string=params)

    def page(self, path: str, status: int = 200, **params) -> str:
        response = self.get(path, **params)
        assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:800])
        return response.get_data(as_text=True)

    def csrf(self, path: str = "/material/") -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.page(path)).group(1)

    def mark_read(self, module_id: str, csrf: str | None = "auto"):
        data = {}
        if csrf == "auto":
            data["csrf_token"] = self.csrf()
        elif csrf is not None:
            data["csrf_token"] = csrf
        return self.client.post(f"/material/modules/{module_id}/read?s={self.token}", data=data)


def launch(
    app,
    platform,
    roles=(LEARNER,),
    *,
    sub="5",
    course="2",
    locale="fi",
    given: str | None = None,
    family: str | None = None,
    email: str | None = None,
) -> Viewer:
    """Launch as ``sub`` with ``roles`` in course ``course`` (``None``: no course context);
    ``given``/``family``/``email`` replace the test platform's default person details."""
    client = app.test_client()
    overrides = {
        "sub": sub,
        "lti_roles": list(roles),
        "lti_launch_presentation": {"locale": locale, "document_target": "iframe"},
        "lti_context": None
        if course is None
        else {
            "id": course,
            "label": f"C{course}",
            "title": f"Course {course}",
            "type": ["CourseSection"],
        },
    }
    if given is not None:
        overrides.update(name=f"{given} {family}".strip(), given_name=given, family_name=family)
    if email is not None:
        overrides["email"] = email
    response = platform.launch(client, overrides)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    token = parse_qs(urlsplit(response.headers["Location"]).query)["s"][0]
    return Viewer(client, token)


def facilitator(app, platform, **kwargs) -> Viewer:
    kwargs.setdefault("sub", "4")
    return launch(app, platform, (INSTRUCTOR,), **kwargs)


def module_item(page: str, module_id: str) -> str:
    """The index's list item for one module (its HTML)."""
    for item in re.findall(r"<li>(.*?)</li>", page, flags=re.S):
        if f"/material/modules/{module_id}?" in item:
            return item
    raise AssertionError(f"{module_id} not on the index")


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
