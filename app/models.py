"""Every model, imported in one place for Alembic's autogenerate and for create_all."""

from .admin.models import AccessibilityFeedback  # noqa: F401
from .calendar.models import CalendarFeed  # noqa: F401
from .content.models import ContentReadMark  # noqa: F401
from .core.audit import AuditEntry  # noqa: F401
from .core.sessions import WebSession  # noqa: F401
from .evaluation.models import MeetingCheckIn, Survey, SurveyParticipation, SurveyResponse  # noqa: F401
from .events.models import Attendance, ProgrammeEvent  # noqa: F401
from .groups.models import GroupMember, MentoringGroup  # noqa: F401
from .lti.models import (  # noqa: F401  # noqa: F401
    AccessToken,
    CourseServices,
    Deployment,
    LaunchHandoff,
    LineItem,
    Platform,
    ResourceLink,
    ScoreKey,
    ScoreOutbox,
    UsedNonce,
)
from .matching.models import MatchingSnapshot  # noqa: F401
from .mentoring.models import (  # noqa: F401
    Agreement,
    AgreementAcceptance,
    AgreementVersion,
    ChecklistTick,
    JournalEntry,
    Meeting,
    MeetingAttestation,
    MeetingCount,
)
from .notifications.models import MailPreference, Notification  # noqa: F401
from .people.models import Course, Enrolment, User  # noqa: F401
from .programme.models import AgencyContact, ColleagueTip, Organisation, Programme, Registration, Theme  # noqa: F401
from .sparring.models import (  # noqa: F401
    SparringGroup,
    SparringMaterial,
    SparringMember,
    SparringPost,
    SparringSession,
    SparringThread,
)
