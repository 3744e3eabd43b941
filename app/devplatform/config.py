"""The development platform's settings: one immutable ``PlatformConfig`` built from a config dict
and the environment (the dict wins).

Later issues (AGS, NRPS, deep linking, dynamic registration) add their URLs and settings here.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULTS = {
    "DEVPLATFORM_URL": "http://127.0.0.1:5001",
    "TOOL_URL": "http://localhost:5000",
    "DEVPLATFORM_CLIENT_ID": "tulanet-dev-tool",
    "DEVPLATFORM_DEPLOYMENT_ID": "1",
    "DEVPLATFORM_INSTANCE": str(REPO_ROOT / "instance" / "devplatform"),
}

PRODUCTION_REFUSAL = "The development platform is for development only; APP_ENV=production refuses it."


def refuse_production(config: dict | None = None, environ=None) -> None:
    """Raise if either the config dict or the environment says ``APP_ENV=production``.

    Either one is enough: a dev platform that signs launches for anyone must never run beside
    a production tool, so a config dict cannot talk the environment out of refusing.
    """
    environ = os.environ if environ is None else environ
    values = {str((config or {}).get("APP_ENV") or "").strip().lower(), environ.get("APP_ENV", "").strip().lower()}
    if "production" in values:
        raise RuntimeError(PRODUCTION_REFUSAL)


@dataclass(frozen=True)
class Course:
    """The one Moodle course the platform hosts (Moodle course id 2, like a fresh site's first course)."""

    id: str = "2"
    label: str = "TULANET-MENTOR"
    title: str = "Tulanet-mentorointi 2022–2023"
    type: tuple = ("CourseSection",)
    sourcedid: str = "TULANET-MENTOR-2022"


@dataclass(frozen=True)
class ResourceLink:
    id: str
    title: str


DEFAULT_RESOURCE_LINK = ResourceLink("mentoring-1", "Oma mentorointi")


@dataclass(frozen=True)
class PlatformConfig:
    url: str
    tool_url: str
    client_id: str
    deployment_id: str
    instance: Path
    name: str = "Tulanet Moodle (kehitysalusta)"
    # Moodle's $CFG->version as its LTI code sends it (tool_platform.version); 4.4.
    moodle_version: str = "2024042200"
    course: Course = field(default_factory=Course)
    resource_links: tuple = (DEFAULT_RESOURCE_LINK,)
    id_token_lifetime: int = 60
    # How long an unused login hint stays valid; each is good for one authentication request.
    message_hint_lifetime: int = 900

    @classmethod
    def from_mapping(cls, config: dict | None = None, environ=None) -> "PlatformConfig":
        environ = os.environ if environ is None else environ
        config = config or {}

        def get(key: str) -> str:
            value = config.get(key)
            if value in (None, ""):
                value = environ.get(key) or DEFAULTS[key]
            return str(value).strip()

        return cls(
            url=get("DEVPLATFORM_URL").rstrip("/"),
            tool_url=get("TOOL_URL").rstrip("/"),
            client_id=get("DEVPLATFORM_CLIENT_ID"),
            deployment_id=get("DEVPLATFORM_DEPLOYMENT_ID"),
            instance=Path(get("DEVPLATFORM_INSTANCE")),
        )

    # The platform's own endpoints.
    @property
    def issuer(self) -> str:
        return self.url

    @property
    def auth_url(self) -> str:
        return self.url + "/auth"

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    @property
    def token_url(self) -> str:
        """Reserved for the OAuth2 token endpoint that AGS/NRPS will need (not served yet)."""
        return self.url + "/token"

    # The tool's registration, as an administrator would enter it in Moodle.
    @property
    def tool_login_url(self) -> str:
        return self.tool_url + "/lti/login"

    @property
    def tool_launch_url(self) -> str:
        return self.tool_url + "/lti/launch"

    @property
    def tool_jwks_url(self) -> str:
        return self.tool_url + "/lti/jwks"

    @property
    def redirect_uris(self) -> tuple:
        return (self.tool_launch_url,)

    def resource_link(self, link_id: str | None, title: str | None = None) -> ResourceLink:
        if not link_id:
            return DEFAULT_RESOURCE_LINK
        for link in self.resource_links:
            if link.id == link_id:
                return ResourceLink(link.id, title or link.title)
        return ResourceLink(link_id, title or f"Aktiviteetti {link_id}")
