"""Queue one score for each of N generated learners (g00000…) in the tool's database (DATABASE_URL),
as a meeting confirmation would; prints their subjects as JSON. Used by test_production.py."""

import json
import sys

from app import create_app
from app.core.db import db
from app.lti.gradebook import publish_score
from app.people.models import Course, Enrolment, User


def main(count: int) -> None:
    app = create_app()
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(context_id="2"))
        subjects = [f"g{n:05d}" for n in range(count)]
        for n, subject in enumerate(subjects):
            user = User(issuer=course.issuer, subject=subject, name=f"Learner {subject}")
            db.session.add(user)
            db.session.flush()
            enrolment = Enrolment(course_id=course.id, user_id=user.id, role="participant", lti_roles=[])
            db.session.add(enrolment)
            db.session.flush()
            publish_score(enrolment, "mentoring:1", 1 + n % 6, 6, "InProgress", "FullyGraded", label="Oma mentorointi")
        db.session.commit()
    print(json.dumps(subjects))


if __name__ == "__main__":
    main(int(sys.argv[1]))
