"""A test-side LTI platform: its own RSA key, its JWKS over real HTTP, and id_tokens that a test
can bend in any one way. Written apart from the tool's code so each checks the other."""

import base64
import json
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
INSTITUTION_ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
SYSTEM_ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"
MENTOR_OBSERVER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
# How often a test server's loop checks for shutdown (the standard 0.5 s made each close wait
# a quarter of a second on average).
POLL = 0.02


def _b64(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


class RsaKey:
    def __init__(self, kid: str | None = None):
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid or uuid.uuid4().hex[:12]
        self.pem = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def jwk(self) -> dict:
        numbers = self.private.public_key().public_numbers()
        return {"kty": "RSA", "n": _b64(numbers.n), "e": _b64(numbers.e), "kid": self.kid, "alg": "RS256", "use": "sig"}


class PlatformDouble:
    client_id = "moodle-client-7"
    deployment_id = "1"

    _key = None

    def __init__(self):
        # One key per test run: generating RSA keys is the slowest part of these tests.
        if PlatformDouble._key is None:
            PlatformDouble._key = RsaKey()
        self.key = PlatformDouble._key
        self.published = [self.key]
        self.jwks_requests = 0
        self.cache_control = "max-age=300"
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    @Request.application
    def _wsgi(self, request):
        if request.path == "/jwks":
            self.jwks_requests += 1
            body = json.dumps({"keys": [k.jwk() for k in self.published]})
            return Response(body, mimetype="application/json", headers={"Cache-Control": self.cache_control})
        return Response("not found", status=404)

    def register(self, app):
        from app.core.clock import utcnow
        from app.core.db import db
        from app.lti.models import Deployment, Platform

        with app.app_context():
            platform = Platform(
                issuer=self.issuer,
                client_id=self.client_id,
                auth_login_url=self.issuer + "/auth",
                auth_token_url=self.issuer + "/token",
                key_set_url=self.issuer + "/jwks",
                approved_at=utcnow(),  # as the operator's `lti platform add` makes it
            )
            platform.deployments.append(Deployment(deployment_id=self.deployment_id))
            db.session.add(platform)
            db.session.commit()

    def login(self, client, **overrides) -> dict:
        """Do the OIDC login step; return the auth request's parameters (state, nonce…)."""
        params = {
            "iss": self.issuer,
            "login_hint": "5",
            "target_link_uri": "http://localhost/lti/launch",
            "lti_message_hint": "hint-1",
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }
        params.update(overrides)
        response = client.post("/lti/login", data={k: v for k, v in params.items() if v is not None})
        assert response.status_code == 302, response.get_data(as_text=True)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        return {k: v[0] for k, v in query.items()}

    def claims(self, nonce: str, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "5",
            "exp": now + 60,
            "iat": now,
            "nonce": nonce,
            "name": "Aino Virtanen",
            "given_name": "Aino",
            "family_name": "Virtanen",
            "email": "aino.virtanen@syke.example",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "target_link_uri": "http://localhost/lti/launch",
            CLAIM + "resource_link": {"id": "mentoring-1", "title": "Oma mentorointi"},
            CLAIM + "roles": [LEARNER],
            CLAIM + "context": {
                "id": "2",
                "label": "TULANET",
                "title": "Tulanet-mentorointi",
                "type": ["CourseSection"],
            },
            CLAIM + "launch_presentation": {"locale": "fi", "document_target": "iframe"},
        }
        for key, value in overrides.items():
            key = key if key in claims or not key.startswith("lti_") else CLAIM + key[4:]
            if value is None:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def sign(self, claims: dict, key: RsaKey | None = None, headers: dict | None = None, alg="RS256") -> str:
        key = key or self.key
        header = {"kid": key.kid}
        header.update(headers or {})
        header = {k: v for k, v in header.items() if v is not None}
        # The key object, not its PEM: PyJWT would parse and validate the PEM on every call (~50 ms).
        return jwt.encode(claims, key.private, algorithm=alg, headers=header)

    def launch(self, client, claims_overrides=None, *, token=None, state=None, login=None, **sign_kwargs):
        """Login, then post a launch; returns the response."""
        auth = login or self.login(client)
        if token is None:
            token = self.sign(self.claims(auth["nonce"], **(claims_overrides or {})), **sign_kwargs)
        return client.post("/lti/launch", data={"id_token": token, "state": state or auth["state"]})
