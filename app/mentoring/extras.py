"""What areas above mentoring add to its pages, without mentoring importing them.

An area registers providers when the app is built; mentoring's pages ask through
``meeting_prompts`` and ``pair_signals`` (the evaluation area adds the check-in after a member
confirms a meeting, and the pair's check-in signal beside the at-risk flags).
"""

from collections.abc import Callable, Sequence

from flask import Flask, current_app
from markupsafe import Markup

from .models import Meeting

MeetingPrompt = Callable[[Sequence[Meeting], int], dict[int, Markup]]
PairSignals = Callable[[Sequence[int]], dict[int, list[str]]]


def register_meeting_prompt(app: Flask, provider: MeetingPrompt) -> None:
    """``provider(meetings, member_id)`` gives markup to show under some of those meetings."""
    app.extensions.setdefault("mentoring_meeting_prompts", []).append(provider)


def register_pair_signals(app: Flask, provider: PairSignals) -> None:
    """``provider(group_ids)`` gives, per group, short texts for facilitators beside its flags."""
    app.extensions.setdefault("mentoring_pair_signals", []).append(provider)


def meeting_prompts(meetings: Sequence[Meeting], member_id: int) -> dict[int, list[Markup]]:
    prompts: dict[int, list[Markup]] = {}
    for provider in current_app.extensions.get("mentoring_meeting_prompts", ()):
        for meeting_id, markup in provider(meetings, member_id).items():
            prompts.setdefault(meeting_id, []).append(markup)
    return prompts


def pair_signals(group_ids: Sequence[int]) -> dict[int, list[str]]:
    signals: dict[int, list[str]] = {}
    for provider in current_app.extensions.get("mentoring_pair_signals", ()):
        for group_id, texts in provider(group_ids).items():
            signals.setdefault(group_id, []).extend(texts)
    return signals
