"""Each process's settings model matches what template.yaml gives it (issue 14 item 4).

For every function and the two task definitions: each environment variable the template sets is a field of the
process's model (a typo'd or dead variable fails), STAGE is set (the required checks run only outside `local`),
and each setting the process cannot work without in AWS (`required_in_aws`) is set by the template.
"""

from __future__ import annotations

from typing import Any

import pytest
from infra_support import TEMPLATE, load_cfn

from fasttriage.config import (
    DoctorsApiSettings,
    DrainerSettings,
    EscalationSweepSettings,
    SettingsGroup,
    WebhookSettings,
)
from fasttriage.dlq import AdminSettings
from fasttriage.worker import WorkerSettings

FUNCTIONS: dict[str, type[SettingsGroup]] = {
    "WebhookFunction": WebhookSettings,
    "DrainerFunction": DrainerSettings,
    "PresignFunction": DoctorsApiSettings,
    "EscalationFunction": EscalationSweepSettings,
}
TASKS: dict[str, type[SettingsGroup]] = {
    "WorkerTaskDefinition": WorkerSettings,
    "AdminTaskDefinition": AdminSettings,
}
# Read by Powertools or the AWS SDK, not by our models.
NOT_OURS = ("POWERTOOLS_", "AWS_")
# Globals give every function MongoDB's settings; these functions do not read them.
GLOBALS_UNREAD = {"DrainerFunction": {"MONGO_SECRET_ARN", "MONGO_DB_NAME"}}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_cfn(TEMPLATE)


def function_env(template: dict[str, Any], name: str) -> tuple[set[str], set[str]]:
    """(the function's own variables, the variables Globals give it)."""
    own = template["Resources"][name]["Properties"].get("Environment", {}).get("Variables", {})
    shared = template["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    return set(own), set(shared)


def task_env(template: dict[str, Any], name: str) -> set[str]:
    (container,) = template["Resources"][name]["Properties"]["ContainerDefinitions"]
    return {item["Name"] for item in [*container.get("Environment", []), *container.get("Secrets", [])]}


def fields_of(model: type[SettingsGroup]) -> set[str]:
    return {name.upper() for name in model.model_fields}


def unmet(model: type[SettingsGroup], given: set[str]) -> list[str]:
    return [
        " or ".join("+".join(names).upper() for names in requirement)
        for requirement in model.required_in_aws
        if not any(all(name.upper() in given for name in names) for names in requirement)
    ]


def ours(names: set[str]) -> set[str]:
    return {name for name in names if not name.startswith(NOT_OURS)}


def test_the_mapping_covers_every_function_that_reads_settings(template):
    functions = {
        name for name, body in template["Resources"].items() if body["Type"] == "AWS::Serverless::Function"
    }
    # The broker-users custom resource reads its resource properties, not settings.
    assert functions - set(FUNCTIONS) == {"BrokerUsersFunction"}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_variable_a_function_gets_is_a_setting_of_its_model(template, function):
    model = FUNCTIONS[function]
    own, shared = function_env(template, function)
    assert ours(own) - fields_of(model) == set(), f"{function} is given variables its model does not read"
    unread = ours(shared) - fields_of(model)
    assert unread == GLOBALS_UNREAD.get(function, set()), f"{function}: Globals variables it does not read"


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_variable_a_task_gets_is_a_setting_of_its_model(template, task):
    assert ours(task_env(template, task)) - fields_of(TASKS[task]) == set()


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_the_template_sets_what_each_function_needs(template, function):
    own, shared = function_env(template, function)
    given = own | shared
    assert "STAGE" in given  # without it the process believes it is local and skips its required checks
    assert unmet(FUNCTIONS[function], given) == []


@pytest.mark.parametrize("task", sorted(TASKS))
def test_the_template_sets_what_each_task_needs(template, task):
    given = task_env(template, task)
    assert "STAGE" in given
    assert unmet(TASKS[task], given) == []


def test_the_check_would_see_a_typo_and_a_missing_requirement():
    """The two helpers above fail on what they are for (so the tests cannot pass vacuously)."""
    assert ours({"QUEUE_NAMES", "POWERTOOLS_SERVICE_NAME"}) - fields_of(DrainerSettings) == {"QUEUE_NAMES"}
    assert unmet(EscalationSweepSettings, {"STAGE", "MONGO_SECRET_ARN"}) == ["PAGE_TOPIC_ARN"]
    assert unmet(WorkerSettings, {"STAGE", "MONGO_URI", "AMQP_URL", "TWILIO_ACCOUNT_SID"}) == [
        "TWILIO_SECRET_ARN or TWILIO_ACCOUNT_SID+TWILIO_AUTH_TOKEN",
        "REPORTS_BUCKET",
        "REPORTS_KMS_KEY_ID",
    ]
