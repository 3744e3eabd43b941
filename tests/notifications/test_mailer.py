"""A composed message reads back as written, whatever the subject's characters."""

from email import message_from_bytes, policy

from hypothesis import given
from hypothesis import strategies as st

from app.notifications.mailer import compose

_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=300)


@given(subject=_TEXT.filter(lambda s: s.strip() == s))
def test_any_subject_reads_back_unchanged_in_short_lines(subject):
    message = compose(
        sender="mentoring@tool.example.fi",
        sender_name="Tulanet",
        to="anna@example.fi",
        subject=subject,
        rendered="Hei &amp; tervetuloa",
        language="fi",
        message_id="<1@tool.example.fi>",
        unsubscribe_url="https://tool.example.fi/mail/unsubscribe/x",
    )
    head = message.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    if not subject.isascii():  # encoded, in words that keep each line within 78 characters
        subject_lines = [line for line in head.split("\r\n") if line.startswith(("Subject:", " =?"))]
        assert subject_lines and all(len(line) <= 78 for line in subject_lines)
    parsed = message_from_bytes(message.data, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed.get_body(("plain",)).get_content() == "Hei & tervetuloa"
