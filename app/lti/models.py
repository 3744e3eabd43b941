"""Platform registrations and short-lived LTI protocol data, shared by all workers via the database."""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db

if TYPE_CHECKING:
    from app.people.models import Enrolment


class Platform(Model):
    """One LTI platform registration: an issuer and the client id it gave this tool."""

    __tablename__ = "lti_platform"
    __table_args__ = (db.UniqueConstraint("issuer", "client_id"),)

    id = db.Column(db.Integer, primary_key=True)
    issuer = db.Column(db.String(255), nullable=False, index=True)
    client_id = db.Column(db.String(255), nullable=False)
    auth_login_url = db.Column(db.String(1024), nullable=False)
    auth_token_url = db.Column(db.String(1024), nullable=False)
    key_set_url = db.Column(db.String(1024), nullable=False)
    auth_audience = db.Column(db.String(1024))
    name = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # None while a dynamic registration waits for the operator (``lti platform approve``): a
    # pending platform can neither launch nor get a token. Unset unless someone approves it.
    approved_at = db.Column(db.DateTime)

    deployments: Mapped[list["Deployment"]] = relationship(
        "Deployment", back_populates="platform", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def state(self) -> str:
        return "approved" if self.approved_at is not None else "pending"


class RegistrationUrl(Model):
    """A one-time dynamic registration URL issued by the operator (``lti registration-url``).

    Only a SHA-256 of the secret is stored; ``used_at`` and ``platform_id`` are set in the
    transaction that stores the registration it allowed.
    """

    __tablename__ = "lti_registration_url"

    id = db.Column(db.Integer, primary_key=True)
    secret_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False)
    used_at = db.Column(db.DateTime)
    platform_id = db.Column(db.Integer, db.ForeignKey("lti_platform.id"))


class Deployment(Model):
    __tablename__ = "lti_deployment"
    __table_args__ = (db.UniqueConstraint("platform_id", "deployment_id"),)

    id = db.Column(db.Integer, primary_key=True)
    platform_id = db.Column(db.Integer, db.ForeignKey("lti_platform.id"), nullable=False)
    deployment_id = db.Column(db.String(255), nullable=False)
    platform: Mapped["Platform"] = relationship("Platform", back_populates="deployments")


class UsedNonce(Model):
    """A nonce some launch has consumed, kept until its login could no longer complete.

    The primary key makes consumption atomic: of two posts of one id_token, on any worker,
    only one insert succeeds.
    """

    __tablename__ = "lti_used_nonce"

    nonce = db.Column(db.String(128), primary_key=True)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)


class LaunchHandoff(Model):
    """A verified launch whose browser kept no state cookie, waiting for its new window.

    Only a SHA-256 of the single-use code and of the receiving browser's User-Agent are stored;
    the claims are cleared when the code is redeemed and the row is purged once expired.
    """

    __tablename__ = "lti_launch_handoff"

    id = db.Column(db.String(64), primary_key=True)  # sha256 of the code
    platform_id = db.Column(db.Integer, db.ForeignKey("lti_platform.id", ondelete="CASCADE"), nullable=False)
    claims = db.Column(db.JSON, nullable=False)
    agent_hash = db.Column(db.String(64), nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)
    used_at = db.Column(db.DateTime)


# --- LTI Advantage: what launches told us about a course's services, and the gradebook outbox ---


class CourseServices(Model):
    """The AGS and NRPS endpoints of one course, as its latest launch announced them.

    Moodle's service URLs carry ``?type_id=N`` and must be used verbatim; the granted scopes
    decide what the tool may do.
    """

    __tablename__ = "lti_course_services"

    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, unique=True)
    platform_id = db.Column(db.Integer, db.ForeignKey("lti_platform.id"), nullable=False)
    lineitems_url = db.Column(db.String(1024))
    ags_scopes = db.Column(db.JSON, nullable=False, default=list)
    memberships_url = db.Column(db.String(1024))
    roster_synced_at = db.Column(db.DateTime)
    # The roster sync's lease (one sync per course at a time, claimed by a conditional update)
    # and when a sync last began, successful or not (a launch starts none soon after one).
    roster_locked_by = db.Column(db.String(64))
    roster_lock_until = db.Column(db.DateTime)
    roster_attempted_at = db.Column(db.DateTime)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    platform: Mapped["Platform"] = relationship("Platform")


class ResourceLink(Model):
    """A placed link (Moodle activity) of a course: its single line item, if any, and its target.

    ``target`` is what a deep-linked item asked to open (custom parameter ``target``), e.g.
    ``mentoring`` or ``content:<module id>``; None for an activity added by hand.
    ``graded`` is a facilitator's choice (None: the rule decides, ``rules.placement_graded``).
    ``resource`` is the tool resource whose scores this placement's line item receives while it
    is a graded placement (e.g. ``mentoring:3``), None otherwise: the delivery routes by it.
    """

    __tablename__ = "lti_resource_link"
    __table_args__ = (
        db.UniqueConstraint("course_id", "resource_link_id"),
        db.Index("ix_lti_resource_link_course_resource", "course_id", "resource"),
    )

    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False)
    resource_link_id = db.Column(db.String(255), nullable=False)
    title = db.Column(db.String(255))
    lineitem_url = db.Column(db.String(1024))
    target = db.Column(db.String(255))
    graded = db.Column(db.Boolean)
    resource = db.Column(db.String(255))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class LineItem(Model):
    """A line item (grade column) the tool created for one resource of a course: used only
    while the course has no graded placement for that resource.

    Creation is claim → commit → call → record: a worker inserts the row without ``url`` and
    with its claim (the unique constraint lets one worker win), calls the platform with no
    transaction open, then records the URL; a failed call deletes the claim. A claim whose
    worker died is taken over when it expires.
    """

    __tablename__ = "lti_line_item"
    __table_args__ = (db.UniqueConstraint("course_id", "resource"),)

    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False)
    resource = db.Column(db.String(255), nullable=False)
    url = db.Column(db.String(1024))
    label = db.Column(db.String(255))
    score_maximum = db.Column(db.Float)
    claimed_by = db.Column(db.String(64))
    claimed_until = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class AccessToken(Model):
    """An OAuth2 access token for a platform's services, shared by every worker until it expires."""

    __tablename__ = "lti_access_token"
    __table_args__ = (db.UniqueConstraint("issuer", "client_id", "scopes"),)

    id = db.Column(db.Integer, primary_key=True)
    issuer = db.Column(db.String(255), nullable=False)
    client_id = db.Column(db.String(255), nullable=False)
    scopes = db.Column(db.String(1024), nullable=False)  # the requested scopes, sorted, space-separated
    granted_scopes = db.Column(db.String(1024), nullable=False)
    token = db.Column(db.Text, nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)


TOOL_ITEM = 0  # ScoreKey.link_id of the tool's own line item for the resource


class ScoreKey(Model):
    """One (participant, resource, line item) stream of scores: the unit a worker claims and
    delivers in order.

    ``link_id`` is the ResourceLink whose line item receives the scores, or ``TOOL_ITEM`` (0,
    not NULL, so that the unique constraint holds on every database) for the tool's own line
    item. Claiming the key, not single rows, keeps two workers from sending scores of one
    participant to one line item at once; ``last_timestamp`` makes every score sent strictly later.
    """

    __tablename__ = "lti_score_key"
    __table_args__ = (db.UniqueConstraint("course_id", "user_id", "resource", "link_id"),)

    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)
    resource = db.Column(db.String(255), nullable=False)
    link_id = db.Column(db.Integer, nullable=False, default=TOOL_ITEM, server_default="0")
    last_timestamp = db.Column(db.DateTime)  # the timestamp sent with the last delivered score
    last_given_at = db.Column(db.DateTime)  # when that score was given (older ones are superseded)
    locked_by = db.Column(db.String(64))
    locked_until = db.Column(db.DateTime)


PENDING, DELIVERED, SUPERSEDED, FAILED = "pending", "delivered", "superseded", "failed"


class ScoreOutbox(Model):
    """A score to deliver to the platform's gradebook, written in the transaction that caused it."""

    __tablename__ = "lti_score_outbox"
    __table_args__ = (db.Index("ix_lti_score_outbox_key_status", "key_id", "status"),)

    id = db.Column(db.Integer, primary_key=True)
    key_id = db.Column(db.Integer, db.ForeignKey("lti_score_key.id"), nullable=False)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, index=True)
    enrolment_id = db.Column(db.Integer, db.ForeignKey("enrolment.id"), nullable=False)
    resource = db.Column(db.String(255), nullable=False)
    label = db.Column(db.String(255))
    score_given = db.Column(db.Float, nullable=False)
    score_maximum = db.Column(db.Float, nullable=False)
    activity_progress = db.Column(db.String(32), nullable=False)
    grading_progress = db.Column(db.String(32), nullable=False)
    comment = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False)  # when the score was given (UTC)
    status = db.Column(db.String(16), nullable=False, default=PENDING, index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime, nullable=False)
    sent_timestamp = db.Column(db.DateTime)
    last_status = db.Column(db.Integer)
    last_error = db.Column(db.Text)
    finished_at = db.Column(db.DateTime)

    key: Mapped["ScoreKey"] = relationship("ScoreKey")
    enrolment: Mapped["Enrolment"] = relationship("Enrolment")
