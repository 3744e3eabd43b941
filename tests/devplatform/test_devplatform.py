"""The development platform on its own: Flask test client, no network, no tool."""

import base64
import json
import re
import threading
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from app.devplatform import PRODUCTION_REFUSAL, create_app, load_people, rfc7638_thumbprint

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
TOOL = "http://tool.test"
PLATFORM = "http://platform.test"
CLIENT_ID = "tulanet-dev-tool"


class Forms(HTMLParser):
    """Every <form>: its action, method and fields (inputs, selects, buttons with a name)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "form":
            self.forms.append(
                {
                    "action": attrs.get("action"),
                    "method": (attrs.get("method") or "get").lower(),
                    "fields": {},
                    "buttons": [],
                    "selects": {},
                }
            )
        elif self.forms and tag == "input" and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "button":
            self.forms[-1]["buttons"].append(attrs)
        elif self.forms and tag == "select":
            self.forms[-1]["selects"][attrs.get("name")] = attrs
        elif self.forms and tag == "option":
            select = list(self.forms[-1]["selects"].values())[-1]
            select.setdefault("options", []).append(attrs.get("value"))


def only_form(response) -> dict:
    forms = Forms(response.get_data(as_text=True)).forms
    assert len(forms) == 1, forms
    return forms[0]


@pytest.fixture
def platform(tmp_path, monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    return create_app(
        {"DEVPLATFORM_URL": PLATFORM, "TOOL_URL": TOOL, "DEVPLATFORM_INSTANCE": str(tmp_path / "devplatform")}
    )


@pytest.fixture
def client(platform):
    return platform.test_client()


def launch_init(client, **params) -> dict:
    params.setdefault("user", "5")
    response = client.get("/launch/init", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return only_form(response)["fields"]


def auth_params(login_fields: dict, **overrides) -> dict:
    """What a tool's OIDC login step sends to /auth after receiving ``login_fields``."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": login_fields["client_id"],
        "redirect_uri": TOOL + "/lti/launch",
        "state": "state-abc",
        "nonce": "nonce-xyz",
        "login_hint": login_fields["login_hint"],
        "lti_message_hint": login_fields["lti_message_hint"],
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def verify(client, id_token: str) -> dict:
    """Check the id_token with nothing but the platform's published JWKS."""
    keys = client.get("/jwks").get_json()["keys"]
    kid = jwt.get_unverified_header(id_token)["kid"]
    [jwk] = [k for k in keys if k["kid"] == kid]
    return jwt.decode(id_token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=CLIENT_ID, issuer=PLATFORM)


def launch(client, method="get", **init_params) -> tuple[dict, dict]:
    """Launch init → auth; return (the auth response's form fields, the verified claims)."""
    params = auth_params(launch_init(client, **init_params))
    if method == "get":
        response = client.get("/auth", query_string=params)
    else:
        response = client.post("/auth", data=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    form = only_form(response)
    assert form["action"] == TOOL + "/lti/launch" and form["method"] == "post"
    return form["fields"], verify(client, form["fields"]["id_token"])


# --- start-up -------------------------------------------------------------------------------


def test_refuses_production_from_config(tmp_path, monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    with pytest.raises(RuntimeError, match="development only; APP_ENV=production refuses it"):
        create_app({"APP_ENV": "production", "DEVPLATFORM_INSTANCE": str(tmp_path)})


def test_refuses_production_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError) as info:
        create_app({"DEVPLATFORM_INSTANCE": str(tmp_path)})
    assert str(info.value) == PRODUCTION_REFUSAL
    # A config dict cannot talk a production environment out of refusing.
    with pytest.raises(RuntimeError):
        create_app({"APP_ENV": "development", "DEVPLATFORM_INSTANCE": str(tmp_path)})


def test_environment_configures_and_config_dict_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.setenv("TOOL_URL", "http://env-tool.test/")
    monkeypatch.setenv("DEVPLATFORM_CLIENT_ID", "from-env")
    monkeypatch.setenv("DEVPLATFORM_DEPLOYMENT_ID", "7")
    app = create_app({"DEVPLATFORM_CLIENT_ID": "from-dict", "DEVPLATFORM_INSTANCE": str(tmp_path)})
    config = app.extensions["devplatform"]
    assert config.tool_login_url == "http://env-tool.test/lti/login"
    assert config.client_id == "from-dict"
    assert config.deployment_id == "7"
    assert config.issuer == "http://127.0.0.1:5001"


def test_key_is_created_on_first_use_only(platform, tmp_path):
    assert not (tmp_path / "devplatform" / "private_key.pem").exists()
    platform.test_client().get("/jwks")
    key_file = tmp_path / "devplatform" / "private_key.pem"
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0  # private to its owner
    assert [p.name for p in key_file.parent.iterdir()] == ["private_key.pem"]  # no temp files left


def test_key_generated_once_and_shared_by_instances(tmp_path, monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    config = {"DEVPLATFORM_INSTANCE": str(tmp_path / "shared")}
    apps = [create_app(config) for _ in range(4)]
    kids = []

    def fetch(app):
        kids.append(app.test_client().get("/jwks").get_json()["keys"][0]["kid"])

    # Several instances racing on an empty folder still end up with one key.
    threads = [threading.Thread(target=fetch, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(kids)) == 1
    assert create_app(config).test_client().get("/jwks").get_json()["keys"][0]["kid"] == kids[0]


# --- JWKS -----------------------------------------------------------------------------------


def test_jwks_publishes_the_signing_key(client):
    response = client.get("/jwks")
    assert response.status_code == 200
    assert "max-age=300" in response.headers["Cache-Control"]
    [key] = response.get_json()["keys"]
    assert {k: key[k] for k in ("kty", "alg", "use", "e")} == {"kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB"}
    assert key["kid"] == rfc7638_thumbprint(key)
    assert "d" not in key and "p" not in key  # public parts only
    fields, _ = launch(client)
    assert jwt.get_unverified_header(fields["id_token"])["kid"] == key["kid"]


def test_thumbprint_matches_rfc_7638_example():
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368Q"
        "QMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2N"
        "cRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert rfc7638_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


# --- pages ----------------------------------------------------------------------------------


def test_people_file_is_a_plain_list_of_fictional_staff():
    people = load_people()
    assert isinstance(people, list) and len(people) >= 12
    ids = [p["id"] for p in people]
    assert len(set(ids)) == len(ids) and all(i.isdigit() and int(i) >= 3 for i in ids)
    roles = [p["role"] for p in people]
    assert roles.count("instructor") == 1 and roles.count("administrator") == 1 and roles.count("learner") >= 12
    assert all(re.fullmatch(r"[a-z.]+@[a-z]+\.example", p["email"]) for p in people)
    assert {p["lang"] for p in people} == {"fi", "sv", "en"}
    assert len({p["organisation"] for p in people}) >= 8


def test_course_page_offers_a_launch_per_person(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fi">' in html and "<main" in html and "<h1>" in html
    assert "Tulanet-mentorointi 2022–2023 (kehitysalusta)" in html
    form = only_form(response)
    assert form["action"] == "/course" and form["method"] == "get"
    assert form["selects"]["locale"]["options"] == ["", "fi", "sv", "en", "pt_br"]
    assert '<label for="locale">' in html
    users = [b["value"] for b in form["buttons"] if b.get("name") == "user"]
    assert users == [p["id"] for p in load_people() if p["role"] == "learner"] + [
        p["id"] for p in load_people() if p["role"] == "instructor"
    ] + [p["id"] for p in load_people() if p["role"] == "administrator"]
    for heading in ("Osallistujat", "Fasilitaattori", "Ylläpitäjä"):
        assert f">{heading}</h2>" in html


def test_every_page_title_is_plain_text(client):
    # Markup inside <title> is shown literally in the browser's tab and read by screen readers.
    for path in ("/", "/course?user=7", "/gradebook", "/admin/tools"):
        html = client.get(path).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1)
        assert "<" not in title and title.endswith("– Tulanet Moodle (kehitysalusta)"), (path, title)
    assert "<title>Tulanet-mentorointi 2022–2023 – " in client.get("/").get_data(as_text=True)


def test_course_embeds_the_launch_in_an_iframe(client):
    response = client.get("/course", query_string={"user": "7", "locale": "sv"})
    assert response.status_code == 200
    tags = Forms(response.get_data(as_text=True)).tags
    [iframe] = [a for t, a in tags if t == "iframe"]
    assert iframe["title"]
    src = urlsplit(iframe["src"])
    assert src.netloc == "" and src.path == "/launch/init"  # the platform's own origin
    assert parse_qs(src.query) == {"user": ["7"], "locale": ["sv"]}
    assert any(t == "a" and a.get("href") == "/" for t, a in tags)


def test_course_for_unknown_user_is_refused(client):
    response = client.get("/course", query_string={"user": "999"})
    assert response.status_code == 400
    assert "Unknown user" in response.get_data(as_text=True)


# --- launch init (third-party-initiated login) -----------------------------------------------


def test_launch_init_posts_the_oidc_login_to_the_tool(client, platform):
    response = client.get("/launch/init", query_string={"user": "5", "locale": "fi"})
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    form = only_form(response)
    assert form["action"] == TOOL + "/lti/login" and form["method"] == "post"
    fields = form["fields"]
    assert set(fields) == {"iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id"}
    assert fields["iss"] == PLATFORM
    assert fields["login_hint"] == "5"
    assert fields["target_link_uri"] == TOOL + "/lti/launch"
    assert fields["client_id"] == CLIENT_ID
    assert fields["lti_deployment_id"] == "1"
    assert len(fields["lti_message_hint"]) < 400
    assert form["buttons"] and "<script>" in html and ".submit()" in html  # works with and without JS


def test_launch_init_refuses_bad_parameters(client):
    for params, code in [
        ({"user": "999"}, "unknown_user"),
        ({}, "missing_user"),
        ({"user": "5", "locale": "fi<script>"}, "invalid_locale"),
        ({"user": "5", "target": "popup"}, "invalid_target"),
        ({"user": "5", "resource_link_id": "a b"}, "invalid_resource_link_id"),
    ]:
        response = client.get("/launch/init", query_string=params)
        assert response.status_code == 400, params
        assert f'data-error="{code}"' in response.get_data(as_text=True), params


# --- auth (OIDC authentication response) -----------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_auth_returns_a_moodle_like_id_token(client, method):
    before = int(time.time())
    fields, claims = launch(client, method, user="5", locale="sv")
    assert set(fields) == {"state", "id_token"}
    assert fields["state"] == "state-abc"
    assert claims["nonce"] == "nonce-xyz"
    assert claims["iss"] == PLATFORM
    assert claims["aud"] == CLIENT_ID and isinstance(claims["aud"], str)
    assert claims["sub"] == "5"
    assert before <= claims["iat"] <= time.time() and claims["exp"] == claims["iat"] + 60
    assert claims["name"] == "Aino Virtanen"
    assert (claims["given_name"], claims["family_name"]) == ("Aino", "Virtanen")
    assert claims["email"] == "aino.virtanen@syke.example"
    assert claims[CLAIM + "deployment_id"] == "1"
    assert claims[CLAIM + "message_type"] == "LtiResourceLinkRequest"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "target_link_uri"] == TOOL + "/lti/launch"
    assert claims[CLAIM + "resource_link"] == {"id": "mentoring-1", "title": "Oma mentorointi"}
    assert claims[CLAIM + "roles"] == [LEARNER]
    assert claims[CLAIM + "context"] == {
        "id": "2",
        "label": "TULANET-MENTOR",
        "title": "Tulanet-mentorointi 2022–2023",
        "type": ["CourseSection"],
    }
    platform_claim = claims[CLAIM + "tool_platform"]
    assert platform_claim["product_family_code"] == "moodle"
    assert platform_claim["guid"] and platform_claim["name"] and platform_claim["version"]
    presentation = claims[CLAIM + "launch_presentation"]
    assert presentation["locale"] == "sv"
    assert presentation["document_target"] == "iframe"
    assert presentation["return_url"].startswith(PLATFORM + "/")
    assert set(claims[CLAIM + "lis"]) == {"person_sourcedid", "course_section_sourcedid"}
    assert claims[CLAIM + "custom"] == {}


def test_auth_locale_and_link_come_from_the_launch(client):
    _, claims = launch(client, user="8", locale="pt_br", resource_link_id="onboarding-2", target="window")
    assert claims["sub"] == "8"
    assert claims[CLAIM + "launch_presentation"]["locale"] == "pt_br"
    assert claims[CLAIM + "launch_presentation"]["document_target"] == "window"
    assert claims[CLAIM + "resource_link"]["id"] == "onboarding-2"
    # Without a locale, the person's own language.
    _, claims = launch(client, user="8")
    assert claims[CLAIM + "launch_presentation"]["locale"] == "sv"


def test_auth_roles_by_person(client):
    people = {p["role"]: p["id"] for p in load_people()}
    _, instructor = launch(client, user=people["instructor"])
    assert instructor[CLAIM + "roles"] == [INSTRUCTOR]
    _, admin = launch(client, user=people["administrator"])
    roles = admin[CLAIM + "roles"]
    assert LIS + "institution/person#Administrator" in roles
    assert LIS + "system/person#Administrator" in roles
    assert LEARNER not in roles


def test_auth_response_is_not_cached(client):
    response = client.get("/auth", query_string=auth_params(launch_init(client)))
    assert response.headers["Cache-Control"] == "no-store"


def _tampered(hint: str) -> str:
    header, payload, signature = hint.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "3"  # try to become the administrator
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "overrides, code, says",
    [
        ({"client_id": "someone-else"}, "invalid_client_id", "client_id 'someone-else' is not the registered tool's"),
        (
            {"redirect_uri": "http://evil.test/lti/launch"},
            "invalid_redirect_uri",
            "redirect_uri 'http://evil.test/lti/launch' is not registered",
        ),
        ({"redirect_uri": TOOL + "/lti/launch/"}, "invalid_redirect_uri", "is not registered"),
        ({"nonce": None}, "missing_nonce", "The nonce parameter is missing"),
        ({"state": None}, "missing_state", "The state parameter is missing"),
        (
            {"lti_message_hint": "TAMPER"},
            "invalid_lti_message_hint",
            "lti_message_hint was not signed by this platform",
        ),
        (
            {"lti_message_hint": "not-a-jwt"},
            "invalid_lti_message_hint",
            "lti_message_hint was not signed by this platform",
        ),
        ({"lti_message_hint": None}, "missing_lti_message_hint", "The lti_message_hint parameter is missing"),
        ({"login_hint": "3"}, "login_hint_mismatch", "login_hint '3' does not match the launch's user ('5')"),
        ({"scope": "profile"}, "invalid_scope", "scope must include 'openid'"),
        ({"response_type": "code"}, "invalid_response_type", "response_type must be 'id_token'"),
        ({"response_mode": "query"}, "invalid_response_mode", "response_mode must be 'form_post'"),
        ({"prompt": "login"}, "invalid_prompt", "prompt must be 'none'"),
    ],
)
def test_auth_rejects(client, overrides, code, says):
    login = launch_init(client, user="5")
    if overrides.get("lti_message_hint") == "TAMPER":
        overrides = {"lti_message_hint": _tampered(login["lti_message_hint"])}
    response = client.get("/auth", query_string=auth_params(login, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'data-error="{code}"' in html
    assert says.replace("'", "&#39;") in html
    assert 'name="id_token"' not in html


def test_auth_rejects_a_hint_from_another_platform_key(client, tmp_path, monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    other = create_app({"DEVPLATFORM_URL": PLATFORM, "TOOL_URL": TOOL, "DEVPLATFORM_INSTANCE": str(tmp_path / "other")})
    login = launch_init(other.test_client(), user="5")
    response = client.get("/auth", query_string=auth_params(login))
    assert response.status_code == 400
    assert 'data-error="invalid_lti_message_hint"' in response.get_data(as_text=True)


def test_auth_rejects_an_expired_hint(client, platform):
    from app.devplatform.hints import make_message_hint

    config = platform.extensions["devplatform"]

    def hint_issued_at(now: int) -> str:
        return make_message_hint(
            config,
            platform.extensions["devplatform_keys"].current(),
            user_id="5",
            locale="fi",
            resource_link_id="mentoring-1",
            resource_link_title="Oma mentorointi",
            document_target="iframe",
            now=now,
        )

    hint = hint_issued_at(int(time.time()) - config.message_hint_lifetime - 5)
    login = launch_init(client, user="5")
    response = client.get("/auth", query_string=auth_params(login, lti_message_hint=hint))
    assert response.status_code == 400
    assert "has expired (expired)" in response.get_data(as_text=True)
    # The same hint, fresh, is accepted: only its age was wrong.
    fresh = hint_issued_at(int(time.time()))
    assert client.get("/auth", query_string=auth_params(login, lti_message_hint=fresh)).status_code == 200


def test_a_login_hint_is_good_for_one_authentication_request_like_moodles(client, tmp_path, monkeypatch):
    """Moodle's auth.php forgets the launch id of its lti_message_hint on first use, so a tool
    cannot replay a login; here a second process sharing the instance folder refuses it too."""
    login = launch_init(client, user="5")
    assert client.get("/auth", query_string=auth_params(login)).status_code == 200
    replayed = client.post("/auth", data=auth_params(login, state="another-state", nonce="another-nonce"))
    assert replayed.status_code == 400
    assert "has been used already" in replayed.get_data(as_text=True)

    monkeypatch.delenv("APP_ENV", raising=False)
    other_process = create_app(
        {"DEVPLATFORM_URL": PLATFORM, "TOOL_URL": TOOL, "DEVPLATFORM_INSTANCE": str(tmp_path / "devplatform")}
    ).test_client()
    assert other_process.get("/auth", query_string=auth_params(login)).status_code == 400
    # A new launch from the course page gets a new hint, which works.
    assert client.get("/auth", query_string=auth_params(launch_init(client, user="5"))).status_code == 200
