"""Demo: one published pair with an accepted agreement and a few meetings, so "My mentoring"
shows real progress. Sanna Mäkinen (GTK) mentors Kaisa Järvinen (UPI) in working as a
researcher. Aino, Mikko and Elina stay free for the matching demo. Everything goes through the
real services, so counts and gradebook scores are what members' own clicks would give.
"""

from datetime import datetime, time, timedelta

from app.core.db import db
from app.groups.models import PUBLISHED, GroupMember, MentoringGroup

from ..people.models import User
from ..programme.models import Programme, Registration
from . import services
from .models import Meeting

MENTOR, AKTORI = "9", "15"  # people.json ids

# (days after kickoff, start, minutes, mode, logged by, confirmed by the other); the demo seed puts
# kickoff 22–23 weeks back, so all four are past.
MEETINGS = (
    (12, time(14, 0), 60, "video", AKTORI, True),
    (40, time(9, 30), 50, "video", MENTOR, True),
    (110, time(13, 0), 75, "phone", AKTORI, True),
    (145, time(15, 0), 40, "video", AKTORI, False),  # waits for Sanna
)

# The pair's own words (demo content is in Finnish, as the programme's is).
AGREEMENT = {
    "confidentiality": "Keskustelumme jäävät meidän välisiksemme, myös ohjelman jälkeen.",
    "contact": "Sanna: sanna.makinen@gtk.example, Kaisa: kaisa.jarvinen@upi.example. "
    "Vastaamme viesteihin kahden työpäivän kuluessa.",
    "time_use": "Tapaamme kerran kuukaudessa Teamsissa noin tunnin. Kaisa kirjaa tapaamiset viikon sisällä.",
    "goals": "Kaisa: tutkijan uran vahvistaminen, julkaisusuunnitelma ja verkostoituminen Tulanetissa.",
    "language": "Puhumme suomea.",
}


def seed_pair(programme: Programme, issuer: str) -> None:
    """Create the demo pair once (a second run leaves it as it is)."""
    users = {
        u.subject: u
        for u in db.session.scalars(db.select(User).where(User.issuer == issuer, User.subject.in_((MENTOR, AKTORI))))
    }
    if len(users) < 2:
        return
    mentor, aktori = users[MENTOR], users[AKTORI]
    if services.member_groups(mentor.id, programme.id) or services.member_groups(aktori.id, programme.id):
        return
    registrations = {
        r.user_id: r
        for r in db.session.scalars(
            db.select(Registration).where(
                Registration.programme_id == programme.id, Registration.user_id.in_((mentor.id, aktori.id))
            )
        )
    }
    group = MentoringGroup(
        programme_id=programme.id,
        form="traditional",
        status=PUBLISHED,
        locked=True,
        reasons=[],
        published_at=datetime.combine(programme.kickoff - timedelta(days=15), time(9)),
    )
    for user, role in ((mentor, "mentor"), (aktori, "aktori")):
        registration = registrations.get(user.id)
        group.members.append(
            GroupMember(user_id=user.id, role=role, registration_id=registration.id if registration else None)
        )
    db.session.add(group)
    db.session.flush()

    version = services.save_agreement(group, aktori.id, 0, AGREEMENT)
    for user in (aktori, mentor):
        services.accept_agreement(group, user.id, version.number)

    by_subject = {MENTOR: mentor, AKTORI: aktori}
    for days, at, minutes, mode, logger, confirmed in MEETINGS:
        day = programme.kickoff + timedelta(days=days)
        data = services.MeetingInput(day, at, minutes, mode, [mentor.id, aktori.id])
        meeting, _check = services.log_meeting(group, by_subject[logger].id, data)
        if confirmed:
            other = mentor if logger == AKTORI else aktori
            services.confirm_meeting(db.session.get_one(Meeting, meeting.id), other.id)
