"""Names and Role Provisioning: the course roster, paged like Moodle's."""

from urllib.parse import urlencode

from flask import jsonify, request

from ..context import SCOPE_NRPS, SHORT_ROLES, platform, state
from ..people import full_name
from . import bp
from .ags import check_course
from .faults import ServiceError, inject_faults
from .token import require


def memberships_url(course_id: str, type_id: str = "1") -> str:
    return f"{platform().url}/mod/lti/services.php/CourseSection/{course_id}/bindings/{type_id}/memberships"


@bp.get("/mod/lti/services.php/CourseSection/<course_id>/bindings/<type_id>/memberships")
def memberships(course_id, type_id):
    inject_faults()
    require(SCOPE_NRPS, type_id=type_id)
    check_course(course_id)
    s = state()
    with s.lock:
        s.counters["membership_pages"] += 1
    members = s.members()
    role = request.args.get("role")
    if role:
        short = role.rsplit("#", 1)[-1]
        members = [m for m in members if short in SHORT_ROLES[m["role"]]]
    try:
        limit = int(request.args.get("limit") or 0)
        offset = int(request.args.get("from") or 0)
    except ValueError:
        raise ServiceError(400, "limit and from must be numbers") from None
    page = members[offset : offset + limit] if limit else members[offset:]
    config = platform()
    body = {
        "id": request.base_url,
        "context": {"id": config.course.id, "label": config.course.label, "title": config.course.title},
        "members": [
            {
                "status": "Active",
                "user_id": m["id"],
                "name": full_name(m),
                "given_name": m["given_name"],
                "family_name": m["family_name"],
                "email": m["email"],
                "roles": SHORT_ROLES[m["role"]],
            }
            for m in page
        ],
    }
    response = jsonify(body)
    response.headers["Content-Type"] = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
    if limit and offset + limit < len(members):
        query = {k: v for k, v in request.args.items() if k != "from"}
        query.update({"limit": limit, "from": offset + limit})
        response.headers["Link"] = f'<{request.base_url}?{urlencode(query)}>; rel="next"'
    return response


def nrps_claim(course_id: str) -> dict:
    return {"context_memberships_url": memberships_url(course_id), "service_versions": ["1.0", "2.0"]}
