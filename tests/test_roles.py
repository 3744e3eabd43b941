"""The role mapping is a pure function: full URIs and Moodle's short names map alike."""

import pytest

from app.lti.roles import tool_role

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([LIS + "membership#Learner"], "participant"),
        (["Learner"], "participant"),
        ([LIS + "membership#Instructor"], "facilitator"),
        (["Instructor"], "facilitator"),
        ([LIS + "membership/Instructor#TeachingAssistant"], "facilitator"),
        (["TeachingAssistant"], "facilitator"),
        ([LIS + "membership#TeachingAssistant"], "facilitator"),
        ([LIS + "membership/Learner#TeachingAssistant"], "guest"),  # only under Instructor (tests/security)
        ([LIS + "institution/person#Administrator"], "administrator"),
        ([LIS + "system/person#Administrator"], "administrator"),
        ([LIS + "institution/person#Administrator", LIS + "membership#Instructor"], "administrator"),
        ([LIS + "membership#Learner", LIS + "membership#Instructor"], "facilitator"),
        ([LIS + "membership#Mentor"], "guest"),  # LTI's Mentor is a parent/observer
        ([LIS + "institution/person#Student"], "guest"),
        (["urn:lti:role:ims/lis/Instructor"], "facilitator"),
        (["urn:lti:instrole:ims/lis/Administrator"], "administrator"),
        ([], "guest"),
        (None, "guest"),
        ([42, None], "guest"),
        (["Nonsense"], "guest"),
    ],
)
def test_tool_role(roles, expected):
    assert tool_role(roles) == expected
