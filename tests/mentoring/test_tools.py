"""Issue 6's per-pair tools: the first-meeting agenda and closing checklist ticked together
(stored per pair, shown on the material's checklist page), and the reflection prompts that open
the private journal prefilled."""

from tests.support.web import text


def test_pair_ticks_an_item_and_the_partner_sees_it(app, people, pair, other_pair):
    mentor, aktori, outsider = people["mentor"], people["aktori"], people["outsider"]
    page = mentor.page("/material/tools/first-meeting")
    assert "Rastittakaa kohdat yhdessä" in page and 'aria-pressed="false"' in page
    response = mentor.post(
        f"/mentoring/groups/{pair}/checklists/first-meeting", {"item": "first-meeting.introductions", "ticked": "1"}
    )
    assert response.status_code == 303 and "/material/tools/first-meeting" in response.headers["Location"]
    # Ticking again is harmless.
    mentor.post(
        f"/mentoring/groups/{pair}/checklists/first-meeting", {"item": "first-meeting.introductions", "ticked": "1"}
    )
    seen = aktori.page("/material/tools/first-meeting")
    assert "Tehty: rastitti Maija Mentori" in text(seen)
    assert seen.count('aria-pressed="true"') == 1
    assert "1/5" in text(aktori.page(f"/mentoring/groups/{pair}")) or "rastittu 1/" in text(
        aktori.page(f"/mentoring/groups/{pair}")
    )
    # Another pair's page shows none of it.
    assert "Tehty: rastitti" not in text(outsider.page("/material/tools/first-meeting"))
    # Untick.
    aktori.post(
        f"/mentoring/groups/{pair}/checklists/first-meeting", {"item": "first-meeting.introductions", "ticked": "0"}
    )
    assert 'aria-pressed="true"' not in mentor.page("/material/tools/first-meeting")


def test_ticks_refuse_items_of_other_checklists_and_unknown_lists(app, people, pair):
    mentor = people["mentor"]
    assert (
        mentor.post(
            f"/mentoring/groups/{pair}/checklists/first-meeting", {"item": "closing-meeting.thanks", "ticked": "1"}
        ).status_code
        == 400
    )
    assert (
        mentor.post(f"/mentoring/groups/{pair}/checklists/nonexistent", {"item": "x", "ticked": "1"}).status_code == 404
    )


def test_unmatched_participants_and_staff_see_the_plain_checklist(app, people, programme):
    for person in (people["outsider"], people["staff"]):
        page = person.page("/material/tools/closing-meeting")
        assert "pair-tick" not in page


def test_reflection_prompts_link_from_the_material_to_a_prefilled_entry(app, people, programme):
    person = people["aktori"]
    index = person.page("/material/")
    assert "Pohdinnan herättäjiä omaan päiväkirjaasi" in index
    assert "/mentoring/journal/new?prompt=after-meeting" in index
    page = person.page("/mentoring/journal/new", prompt="after-meeting")
    assert "Mitä jäi mieleeni viime tapaamisestamme?" in page.split("<textarea", 1)[1]
    assert "Pohdinnan herättäjiä" not in people["staff"].page("/material/")
