"""Assignment and Grade Services: line items, scores and results."""

from datetime import UTC, datetime

from flask import jsonify, request

from ..context import LINEITEM_TYPE, SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT, SCOPE_SCORE, platform, state
from . import bp
from .faults import ServiceError, inject_faults
from .token import require


def lineitems_url(course_id: str, type_id: str = "1") -> str:
    return f"{platform().url}/mod/lti/services.php/{course_id}/lineitems?type_id={type_id}"


def lineitem_url(course_id: str, item_id: int, type_id: str = "1") -> str:
    return f"{platform().url}/mod/lti/services.php/{course_id}/lineitems/{item_id}/lineitem?type_id={type_id}"


def _item_json(course_id: str, item: dict) -> dict:
    body = {"id": lineitem_url(course_id, item["id"], request.args.get("type_id", "1"))}
    body.update({k: v for k, v in item.items() if k != "id" and v is not None})
    return body


def check_course(course_id: str) -> None:
    if course_id != platform().course.id:
        raise ServiceError(404, "no such course")


def items_for_link(link_id: str) -> list[dict]:
    """The line items bound to one resource link (the launch sends ``lineitem`` only for one)."""
    s = state()
    with s.lock:
        return [i for i in s.line_items.values() if i.get("resourceLinkId") == link_id]


@bp.route("/mod/lti/services.php/<course_id>/lineitems", methods=["GET", "POST"])
def lineitems(course_id):
    inject_faults()
    s = state()
    if request.method == "GET":
        require(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
        check_course(course_id)
        with s.lock:
            items = list(s.line_items.values())
        for param, key in (("resource_id", "resourceId"), ("resource_link_id", "resourceLinkId"), ("tag", "tag")):
            if request.args.get(param):
                items = [i for i in items if i.get(key) == request.args[param]]
        response = jsonify([_item_json(course_id, i) for i in items])
        response.headers["Content-Type"] = "application/vnd.ims.lis.v2.lineitemcontainer+json"
        return response
    require(SCOPE_LINEITEM)
    check_course(course_id)
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not body.get("label"):
        raise ServiceError(400, "a line item needs a label")
    maximum = body.get("scoreMaximum")
    if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or maximum <= 0:
        raise ServiceError(400, "a line item needs a positive scoreMaximum")
    with s.lock:
        item = {
            "id": s.next_line_item,
            "label": body["label"],
            "scoreMaximum": maximum,
            "resourceId": body.get("resourceId"),
            "tag": body.get("tag"),
            "resourceLinkId": body.get("resourceLinkId"),
            # A line item a tool creates without a link is a manual grade item in Moodle.
            "manual": not body.get("resourceLinkId"),
        }
        s.line_items[item["id"]] = item
        s.next_line_item += 1
    response = jsonify(_item_json(course_id, item))
    response.status_code = 201
    response.headers["Content-Type"] = LINEITEM_TYPE
    return response


def _item(course_id: str, item_id: int) -> dict:
    check_course(course_id)
    with state().lock:
        item = state().line_items.get(item_id)
    if item is None:
        raise ServiceError(404, "no such line item")
    return item


@bp.get("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem")
def lineitem(course_id, item_id):
    inject_faults()
    require(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
    return jsonify(_item_json(course_id, _item(course_id, item_id)))


def _epoch(timestamp: str) -> int:
    """PHP's strtotime: whole seconds."""
    value = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


@bp.post("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/scores")
def scores(course_id, item_id):
    inject_faults()
    require(SCOPE_SCORE)
    item = _item(course_id, item_id)
    s = state()
    with s.lock:
        s.counters["score_posts"] += 1
    score = request.get_json(force=True, silent=True)
    if not isinstance(score, dict):
        raise ServiceError(400, "the score is not a JSON object")
    for required in ("userId", "timestamp", "activityProgress", "gradingProgress"):
        if required not in score:
            raise ServiceError(400, f"the score lacks {required}")
    user_id = str(score["userId"])
    if user_id not in s.learner_ids():
        raise ServiceError(400, f"user {user_id} is not an enrolled learner of this course")
    try:
        stamp = _epoch(score["timestamp"])
    except (TypeError, ValueError):
        raise ServiceError(400, "the timestamp is not ISO 8601") from None
    maximum = score.get("scoreMaximum", 1)
    given = score.get("scoreGiven")
    with s.lock:
        current = s.grades.get((item_id, user_id))
        if current is not None and current["timestamp"] >= stamp:
            s.counters["conflicts"] += 1
            raise ServiceError(409, "Refusing score with an earlier timestamp")
        grade = None
        if score["gradingProgress"] == "FullyGraded" and given is not None:
            grade = float(given) / float(maximum) * float(item["scoreMaximum"])
        s.grades[(item_id, user_id)] = {
            "grade": grade,
            "timestamp": stamp,
            "comment": score.get("comment"),
            "activityProgress": score["activityProgress"],
            "gradingProgress": score["gradingProgress"],
        }
        s.score_log.append(
            {
                "item": item_id,
                "user": user_id,
                "scoreGiven": given,
                "scoreMaximum": maximum,
                "timestamp": score["timestamp"],
                "grade": grade,
            }
        )
    return "", 200


@bp.get("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/results")
def results(course_id, item_id):
    inject_faults()
    require(SCOPE_RESULT)
    item = _item(course_id, item_id)
    s = state()
    with s.lock:
        rows = [(u, g) for (i, u), g in s.grades.items() if i == item_id and g["grade"] is not None]
    base = lineitem_url(course_id, item_id, request.args["type_id"])
    return jsonify(
        [
            {
                "id": base + f"&user={u}",
                "scoreOf": base,
                "userId": u,
                "resultScore": g["grade"],
                "resultMaximum": item["scoreMaximum"],
                "comment": g["comment"],
            }
            for u, g in rows
        ]
    )


def ags_claim(course_id: str, link_id: str | None) -> dict:
    """The launch's AGS endpoint claim: ``lineitem`` only when the link has exactly one item."""
    claim = {
        "scope": [SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT, SCOPE_SCORE],
        "lineitems": lineitems_url(course_id),
    }
    if link_id:
        items = items_for_link(link_id)
        if len(items) == 1:
            claim["lineitem"] = lineitem_url(course_id, items[0]["id"])
    return claim
