"""Pure rules of the facilitator's decisions on published matches (the matcher itself is ``engine``)."""

from app.groups.models import MATCHED

#: Refusal codes (words in ``routes``).
NOT_PUBLISHED = "match_not_published"
HAS_MET = "match_has_met"


def withdrawal_refusal(status: str, has_met: bool) -> str | None:
    """Why a match may not be withdrawn, as a refusal code, or None when it may: only a published
    match (sounding out or agreed) whose members have not logged a meeting, since a meeting makes
    it part of their programme record."""
    if status not in MATCHED:
        return NOT_PUBLISHED
    if has_met:
        return HAS_MET
    return None
