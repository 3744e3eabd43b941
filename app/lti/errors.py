"""Every way a login or launch can be refused, with a status and a localised reason."""

from flask_babel import lazy_gettext as _l

REASONS = {
    # OIDC login initiation
    "login_missing_param": (
        400,
        _l("The login request from the learning platform is missing the parameter “%(param)s”."),
    ),
    "login_unknown_issuer": (400, _l("This learning platform (%(issuer)s) is not registered with the tool.")),
    "login_unknown_client": (400, _l("The client id “%(client_id)s” is not registered for this learning platform.")),
    "login_unknown_deployment": (
        400,
        _l("The deployment “%(deployment_id)s” is not registered for this learning platform."),
    ),
    "platform_pending": (
        403,
        _l(
            "This learning platform's registration with the tool (%(issuer)s) is waiting for the tool operator's "
            "approval. Launches work once the operator has approved it."
        ),
    ),
    # the launch message itself
    "too_large": (413, _l("The request is too large to be a launch.")),
    "missing_id_token": (400, _l("The launch carries no id_token.")),
    "missing_state": (400, _l("The launch carries no state parameter.")),
    "malformed_jwt": (400, _l("The launch's id_token is not a well-formed JWT.")),
    "bad_alg": (401, _l("The launch is signed with the algorithm “%(alg)s”; only RS256 is accepted.")),
    "missing_kid": (401, _l("The launch's signature names no key (kid).")),
    "bad_kid": (400, _l("The launch's key id (kid) is not a string.")),
    "unknown_kid": (401, _l("The launch is signed with a key (%(kid)s) that the platform does not publish.")),
    "jwks_unavailable": (
        424,
        _l("The platform's public keys could not be fetched, so the launch cannot be verified. Try again in a moment."),
    ),
    "bad_signature": (401, _l("The launch's signature is not valid.")),
    "missing_iss": (400, _l("The launch names no issuer (iss).")),
    "unknown_issuer": (401, _l("The launch comes from a platform (%(issuer)s) that is not registered with the tool.")),
    "wrong_aud": (401, _l("The launch is addressed to another tool (aud does not match this tool's client id).")),
    "wrong_azp": (401, _l("The launch's authorised party (azp) is not this tool's client id.")),
    "bad_claim": (400, _l("The launch's claim “%(claim)s” is malformed.")),
    "nul_in_claim": (
        400,
        _l("The launch's claim “%(claim)s” contains a NUL character, which the tool does not accept."),
    ),
    "missing_exp": (401, _l("The launch has no expiry time (exp).")),
    "missing_iat": (401, _l("The launch has no issue time (iat).")),
    "expired": (401, _l("The launch has expired. Please start it again from the course.")),
    "not_yet_valid": (401, _l("The launch is dated in the future; check the platform's clock.")),
    "state_mismatch": (
        400,
        _l(
            "The launch does not belong to this browser's login (state mismatch). Please start "
            "it again from the course."
        ),
    ),
    "state_expired": (
        400,
        _l("The login this launch belongs to is unknown or has expired. Please start it again from the course."),
    ),
    "nonce_mismatch": (401, _l("The launch's nonce does not match the login.")),
    "nonce_replayed": (
        401,
        _l("This launch has already been used (replayed nonce). Please start it again from the course."),
    ),
    "missing_deployment": (400, _l("The launch names no deployment.")),
    "unknown_deployment": (401, _l("The deployment “%(deployment_id)s” is not registered for this platform.")),
    "missing_message_type": (400, _l("The launch has no message type.")),
    "unknown_message_type": (400, _l("The launch's message type “%(message_type)s” is not supported.")),
    "bad_version": (400, _l("The launch's LTI version is “%(version)s”; this tool speaks 1.3.0.")),
    "missing_roles": (400, _l("The launch has no roles claim.")),
    "missing_resource_link": (400, _l("The launch has no resource link id.")),
    "missing_deep_linking_settings": (
        400,
        _l("The request to add activities carries no deep-linking settings or return address."),
    ),
    "deep_linking_no_links": (
        400,
        _l("The learning platform accepts none of the kinds of content this tool offers (activity links)."),
    ),
    "missing_sub": (400, _l("The launch names no user (sub).")),
}


class LaunchError(Exception):
    """A refused login or launch. ``code`` picks the reason; ``params`` fill it in."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params
        self.status = REASONS[code][0]

    @property
    def message(self) -> str:
        return str(REASONS[self.code][1]) % self.params if self.params else str(REASONS[self.code][1])
