"""Issue 13.7: `cognito:groups` is read in the exact forms API Gateway passes it, and names compare whole."""

from __future__ import annotations

import pytest

from fasttriage.auth import Forbidden, doctor_from_event, groups_of

SUB = "00000000-0000-4000-8000-00000000d0c1"


def rest(groups):
    return {"requestContext": {"authorizer": {"claims": {"sub": SUB, "cognito:groups": groups}}}}


def http(groups):
    return {"requestContext": {"authorizer": {"jwt": {"claims": {"sub": SUB, "cognito:groups": groups}}}}}


@pytest.mark.parametrize(
    "request_event",
    [rest("doctors"), rest("nurses,doctors"), http("[doctors]"), http("[nurses doctors]"), rest(["doctors"])],
    ids=["rest-one", "rest-two", "http-one", "http-two", "list"],
)
def test_members_of_the_doctors_group_are_let_in_in_every_form(request_event):
    assert doctor_from_event(request_event, "doctors").subject == SUB


@pytest.mark.parametrize(
    "request_event",
    [
        rest("[doctors]"),  # a group named "[doctors]"
        rest('"doctors"'),
        rest("doctors "),
        rest(" doctors"),
        rest("doctors-admins"),
        http("[[doctors]]"),  # a group named "[doctors]" through the HTTP API
        http("[nurses,doctors]"),  # a group named "nurses,doctors" through the HTTP API
        http("doctors"),  # not the HTTP API's form
        rest(["nurses,doctors"]),
        rest(["[doctors]"]),
        rest(""),
        rest(None),
    ],
)
def test_group_names_that_only_contain_doctors_are_refused(request_event):
    with pytest.raises(Forbidden):
        doctor_from_event(request_event, "doctors")


def test_the_rest_form_splits_on_commas_only_and_keeps_names_whole():
    assert groups_of({"cognito:groups": "a b,c"}) == {"a b", "c"}
    assert groups_of({"cognito:groups": "[a b]"}, http_api=True) == {"a", "b"}
