"""Each agency's contact person: an administrator names them from the roster; a contact person sees
their own agency's participation and completion for HR (who registered, who was matched, counted
meetings, completion, events attended; never agreements, journals, disputes or discussions) and can
export it. Everything a contact person opens is audited.

The role is the tool's, not the LMS's: a contact is usually a Learner in Moodle. Another agency's
pages are "not found", as is everything here for someone who is not a contact.
"""

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale

from app.core.audit import record
from app.core.auth import MEMBERS, login_required
from app.core.clock import utcnow
from app.core.db import db

from ..ids import db_int
from ..people.models import ADMINISTRATOR
from ..programme import services as programme_services
from ..programme.models import AgencyContact, Organisation
from . import exports, report, rules
from .access import hidden_from_contacts

bp = Blueprint("agency", __name__, url_prefix="/agency", template_folder="templates")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------------------------------
# Naming the contact persons (administrators)


def _contacts_page(programme, status=200, error=None):
    return render_template(
        "admin/agency_contacts.html",
        programme=programme,
        contacts=programme_services.contacts(programme),
        organisations=report.organisations(programme),
        people=programme_services.roster(programme.course_id),
        error=error,
        done=request.args.get("done"),
    ), status


@bp.get("/programmes/<int:programme_id>/contacts")
@hidden_from_contacts
@login_required(ADMINISTRATOR)
def contacts(programme_id: int):
    return _contacts_page(programme_services.staff_programme(programme_id))


@bp.post("/programmes/<int:programme_id>/contacts")
@hidden_from_contacts
@login_required(ADMINISTRATOR)
def name_contact(programme_id: int):
    programme = programme_services.staff_programme(programme_id)
    organisation = next(
        (o for o in programme.organisations if o.id == request.form.get("organisation", type=db_int)), None
    )
    person = request.form.get("person", type=db_int)
    if (
        organisation is None
        or person is None
        or person not in {u.id for u in programme_services.roster(programme.course_id)}
    ):
        return _contacts_page(programme, 422, error="choose")
    contact = programme_services.name_contact(organisation, person, g.user.id)
    record(
        "agency.contact_named",
        target=f"organisation:{organisation.id}",
        details={"user_id": person, "contact_id": contact.id},
    )
    db.session.commit()
    return redirect(url_for("agency.contacts", programme_id=programme.id, done="named"), 303)


@bp.post("/programmes/<int:programme_id>/contacts/<int:contact_id>/remove")
@hidden_from_contacts
@login_required(ADMINISTRATOR)
def remove_contact(programme_id: int, contact_id: int):
    programme = programme_services.staff_programme(programme_id)
    contact = db.session.get(AgencyContact, contact_id)
    if contact is None or contact.organisation.programme_id != programme.id:
        abort(404)
    record(
        "agency.contact_removed",
        target=f"organisation:{contact.organisation_id}",
        details={"user_id": contact.user_id},
    )
    db.session.delete(contact)
    db.session.commit()
    return redirect(url_for("agency.contacts", programme_id=programme.id, done="removed"), 303)


# --------------------------------------------------------------------------------------------------
# A contact person's view of their own agency


def _own_agency(organisation_id: int):
    """The organisation, if the viewer is its contact in the launched course's programme; else 404."""
    programme = programme_services.current_programme(g.course.id if g.course else None)
    if programme is None:
        abort(404)
    mine = programme_services.contact_organisation_of(g.user.id, programme.id)
    if not rules.may_see_agency(mine.id if mine else None, organisation_id):
        abort(404)
    return programme, mine


def _rows(programme, organisation: Organisation):
    return report.participant_rows(programme, report.Filters(organisation_id=organisation.id))


def _sharing(rows) -> rules.CostSharing:
    return rules.cost_sharing((r.matched, r.sounding_out, r.completed, r.events_attended) for r in rows)


@bp.get("/")
@login_required(*MEMBERS)
def mine():
    """Where a contact person's link leads: their agency's page (or "not found")."""
    programme = programme_services.current_programme(g.course.id if g.course else None)
    organisation = programme_services.contact_organisation_of(g.user.id, programme.id) if programme else None
    if organisation is None:
        abort(404)
    return redirect(url_for("agency.organisation", organisation_id=organisation.id), 303)


@bp.get("/organisations/<int:organisation_id>")
@login_required(*MEMBERS)
def organisation(organisation_id: int):
    programme, organisation = _own_agency(organisation_id)
    rows = _rows(programme, organisation)
    record("agency.viewed", target=f"organisation:{organisation.id}", details={"rows": len(rows)})
    db.session.commit()
    return render_template(
        "admin/agency.html",
        programme=programme,
        organisation=organisation,
        rows=rows,
        sharing=_sharing(rows),
        required=max(1, programme.required_meetings),
        role_labels=exports.ROLE_LABELS,
        form_labels=exports.FORM_LABELS,
        match_labels=exports.MATCH_LABELS,
        match_state=exports.match_state,
    )


@bp.get("/organisations/<int:organisation_id>/export.<fmt>")
@login_required(*MEMBERS)
def export(organisation_id: int, fmt: str):
    programme, organisation = _own_agency(organisation_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    separator = request.args.get("separator", "comma")
    if separator not in exports.SEPARATORS:
        abort(400)
    rows = _rows(programme, organisation)
    locale = str(get_locale())
    required = max(1, programme.required_meetings)
    if fmt == "csv":
        body = exports.agency_csv(
            rows, {organisation.id: organisation}, required, locale, exports.SEPARATORS[separator]
        )
        mimetype = "text/csv; charset=utf-8"
    else:
        body = exports.agency_xlsx(rows, {organisation.id: organisation}, _sharing(rows), required, locale)
        mimetype = XLSX
    record("agency.exported", target=f"organisation:{organisation.id}", details={"format": fmt, "rows": len(rows)})
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="agency-{organisation.code}-{stamp}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
