"""Platform registrations and short-lived LTI protocol data, shared by all workers via the database."""
from datetime import datetime, timezone

from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Platform(db.Model):
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

    deployments = db.relationship(
        "Deployment", back_populates="platform", cascade="all, delete-orphan", lazy="selectin"
    )


class Deployment(db.Model):
    __tablename__ = "lti_deployment"
    __table_args__ = (db.UniqueConstraint("platform_id", "deployment_id"),)

    id = db.Column(db.Integer, primary_key=True)
    platform_id = db.Column(db.Integer, db.ForeignKey("lti_platform.id"), nullable=False)
    deployment_id = db.Column(db.String(255), nullable=False)
    platform = db.relationship("Platform", back_populates="deployments")


class UsedNonce(db.Model):
    """A nonce some launch has consumed, kept until its login could no longer complete.

    The primary key makes consumption atomic: of two posts of one id_token, on any worker,
    only one insert succeeds.
    """

    __tablename__ = "lti_used_nonce"

    nonce = db.Column(db.String(128), primary_key=True)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)
