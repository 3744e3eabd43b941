"""The gradebook page, and the control endpoint tests and demos switch faults and the roster with."""

from datetime import UTC, datetime

from flask import jsonify, render_template, request

from ..context import Faults, ServiceState, platform, state
from ..people import full_name
from . import bp


@bp.get("/gradebook")
def gradebook():
    s = state()
    with s.lock:
        items = sorted(s.line_items.values(), key=lambda i: i["id"])
        grades = dict(s.grades)
    learners = [m for m in s.members() if m["role"] == "learner"]
    return render_template(
        "devplatform/gradebook.html",
        platform=platform(),
        items=items,
        learners=learners,
        grades=grades,
        full_name=full_name,
        when=lambda stamp: datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S"),
    )


@bp.route("/dev/control", methods=["GET", "POST"])
def control():
    """Read counters and the score log; switch faults, token lifetime, granted scopes, roster;
    add an activity by hand (``{"add_activity": {"id": "hand-1", "title": …, "scoreMaximum": 100}}``)."""
    s = state()
    if request.method == "POST":
        body = request.get_json(force=True, silent=True) or {}
        with s.lock:
            if "faults" in body:
                s.faults = Faults(**body["faults"])
            if "seed" in body:
                s.rng.seed(body["seed"])
            if "token_lifetime" in body:
                s.token_lifetime = int(body["token_lifetime"])
            if "granted_scopes" in body:
                s.granted_scopes = tuple(body["granted_scopes"])
            if "expire_tokens" in body:
                s.tokens = {k: (c, 0, sc) for k, (c, _e, sc) in s.tokens.items()}
            if "generate_learners" in body:
                start = s.generated
                s.generated += int(body["generate_learners"])
                s.extra_members += [
                    {
                        "id": f"g{start + n:05d}",
                        "given_name": "Testi",
                        "family_name": f"Osallistuja {start + n}",
                        "email": f"testi.{start + n}@tulanet.example",
                        "organisation": "SYKE",
                        "role": "learner",
                        "lang": "fi",
                    }
                    for n in range(int(body["generate_learners"]))
                ]
            if "add_activity" in body:
                _add_activity(s, body["add_activity"])
            if "registration_fault" in body:
                s.registration_fault = body["registration_fault"]
            for user_id in body.get("remove_members", []):
                s.removed.add(str(user_id))
            if body.get("reset_gradebook"):
                s.line_items.clear()
                s.grades.clear()
                s.score_log.clear()
                s.next_line_item = 1
    with s.lock:
        return jsonify(
            {
                "counters": dict(s.counters),
                "line_items": list(s.line_items.values()),
                "score_log": list(s.score_log) if request.args.get("log") else len(s.score_log),
                "grades": [{"item": i, "user": u, **g} for (i, u), g in s.grades.items()],
                "faults": s.faults.__dict__,
            }
        )


def _add_activity(s: ServiceState, activity: dict) -> None:
    """An External tool activity a course designer adds by hand (no deep linking): with a grade
    type of Point (Moodle's default) it gets its own grade item, bound to the link, without a
    resourceId or tag; its launches carry no custom ``target``. Caller holds the lock."""
    link_id = str(activity["id"])
    s.placed_links[link_id] = {
        "id": link_id,
        "title": str(activity.get("title") or "Mentorointi")[:255],
        "url": None,
        "custom": {},
        "client_id": None,
    }
    maximum = activity.get("scoreMaximum", 100)
    if maximum:  # grade type None: no grade item, so no ``lineitem`` in the launch
        s.line_items[s.next_line_item] = {
            "id": s.next_line_item,
            "label": s.placed_links[link_id]["title"],
            "scoreMaximum": maximum,
            "resourceId": None,
            "tag": None,
            "resourceLinkId": link_id,
            "manual": False,
        }
        s.next_line_item += 1
