"""The id_token claims of a launch, shaped like Moodle 4.x's (mod/lti/locallib.php and
lti_convert_to_jwt).

Plain functions of their inputs, so tests and later message types (deep linking) and services
(AGS, NRPS claims) can build on ``base_claims`` without a request.
"""

from urllib.parse import urlencode, urlsplit

from .config import PlatformConfig, ResourceLink
from .people import full_name

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
INSTITUTION_ADMIN = LIS + "institution/person#Administrator"
SYSTEM_ADMIN = LIS + "system/person#Administrator"

ROLE_URIS = {
    "learner": (LEARNER,),
    "instructor": (INSTRUCTOR,),
    # As the brief asks: administrator roles only, no Learner. (Real Moodle also adds
    # membership#Instructor for a site administrator, since they can manage the course.)
    "administrator": (INSTITUTION_ADMIN, SYSTEM_ADMIN),
}

DOCUMENT_TARGETS = ("iframe", "window", "frame")


def roles_for(person: dict) -> list[str]:
    return list(ROLE_URIS[person["role"]])


def base_claims(
    platform: PlatformConfig,
    person: dict,
    *,
    locale: str,
    nonce: str,
    now: int,
    document_target: str = "iframe",
) -> dict:
    """The claims every LTI message from this platform carries, whatever its type."""
    course = platform.course
    return {
        "iss": platform.issuer,
        "aud": platform.client_id,
        "sub": str(person["id"]),
        "exp": now + platform.id_token_lifetime,
        "iat": now,
        "nonce": nonce,
        "name": full_name(person),
        "given_name": person["given_name"],
        "family_name": person["family_name"],
        "email": person["email"],
        CLAIM + "deployment_id": platform.deployment_id,
        CLAIM + "version": "1.3.0",
        CLAIM + "roles": roles_for(person),
        CLAIM + "context": {
            "id": course.id,
            "label": course.label,
            "title": course.title,
            "type": list(course.type),
        },
        CLAIM + "tool_platform": {
            # Moodle sends the host of its wwwroot as the instance guid.
            "guid": urlsplit(platform.url).hostname or platform.url,
            "name": platform.name,
            "product_family_code": "moodle",
            "version": platform.moodle_version,
        },
        CLAIM + "launch_presentation": {
            "locale": locale,
            "document_target": document_target,
            # Like Moodle's mod/lti/return.php: a page that takes the browser back to the course.
            "return_url": platform.url + "/return?" + urlencode({"user": person["id"], "locale": locale}),
        },
        CLAIM + "lis": {
            "person_sourcedid": f"tulanet-{person['id']}",
            "course_section_sourcedid": course.sourcedid,
        },
        CLAIM + "custom": {},
        CLAIM + "ext": {
            "user_username": person["email"].split("@")[0],
            "lms": "moodle-2",
        },
    }


def build_id_token_claims(
    platform: PlatformConfig,
    person: dict,
    *,
    locale: str,
    resource_link: ResourceLink,
    nonce: str,
    now: int,
    document_target: str = "iframe",
) -> dict:
    """An ``LtiResourceLinkRequest`` id_token's claims."""
    claims = base_claims(platform, person, locale=locale, nonce=nonce, now=now, document_target=document_target)
    claims[CLAIM + "message_type"] = "LtiResourceLinkRequest"
    claims[CLAIM + "target_link_uri"] = platform.tool_launch_url
    claims[CLAIM + "resource_link"] = {"id": resource_link.id, "title": resource_link.title}
    return claims


DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def build_deep_linking_claims(
    platform: PlatformConfig,
    person: dict,
    *,
    locale: str,
    nonce: str,
    now: int,
    settings: dict,
) -> dict:
    """An ``LtiDeepLinkingRequest`` id_token's claims (Moodle's "Select content")."""
    claims = base_claims(platform, person, locale=locale, nonce=nonce, now=now)
    claims[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
    claims[CLAIM + "target_link_uri"] = platform.tool_launch_url
    claims[DL_CLAIM + "deep_linking_settings"] = settings
    return claims
