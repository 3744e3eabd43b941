"""The platform's LTI Advantage services, shaped like Moodle 4.x's: the OAuth2 token endpoint
(``token``: mod/lti/token.php), Assignment and Grade Services (``ags``: mod/lti/service/gradebookservices)
and Names and Role Provisioning (``nrps``: mod/lti/service/memberships), with fault injection
(``faults``) and the gradebook page and ``/dev/control`` for tests and benchmarks (``control``).
Their routes share one blueprint; state lives in ``context.ServiceState``.
"""

from flask import Blueprint

bp = Blueprint("devservices", __name__, template_folder="../templates")
