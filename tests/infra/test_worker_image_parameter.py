"""The design card's literal deploy (`sam build && sam deploy --config-env prod`) with samconfig.toml's placeholder
WorkerImageUri fails when CloudFormation checks the parameters, with a message that says what to do.

CloudFormation checks AllowedPattern (Java regex syntax) on every change set; the constructs used here (anchors,
negative lookahead, \\S, \\w, classes, bounded repeats) mean the same in Java and in Python's `re`, so the pattern is
exercised with `re.fullmatch` (an AllowedPattern must match the whole value).
"""

from __future__ import annotations

import re
import tomllib

import pytest
from infra_support import REPO, TEMPLATE, load_cfn


def _parameter() -> dict[str, str]:
    return load_cfn(TEMPLATE)["Parameters"]["WorkerImageUri"]


def _samconfig_image(config_env: str) -> str:
    with (REPO / "samconfig.toml").open("rb") as handle:
        config = tomllib.load(handle)
    overrides = config[config_env]["deploy"]["parameters"]["parameter_overrides"].split()
    (image,) = [item.split("=", 1)[1] for item in overrides if item.startswith("WorkerImageUri=")]
    return image


@pytest.mark.parametrize("config_env", ["default", "prod"])
def test_samconfig_placeholder_image_is_refused_by_the_parameter_pattern(config_env: str):
    image = _samconfig_image(config_env)
    assert "REPLACE_WITH" in image, "samconfig.toml is expected to hold a placeholder, not a real image"
    assert re.fullmatch(_parameter()["AllowedPattern"], image) is None


@pytest.mark.parametrize(
    "image",
    [
        "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fasttriage-worker:0123abc",  # example account
        "210987654321.dkr.ecr.eu-central-1.amazonaws.com/fasttriage-worker",  # no tag: mutable latest
        "210987654321.dkr.ecr.eu-central-1.amazonaws.com/fasttriage-worker:REPLACE_WITH_GIT_SHA",
        "210987654321.dkr.ecr.eu-central-1.amazonaws.com/fasttriage-worker: abc",
        "",
    ],
)
def test_other_unusable_images_are_refused(image: str):
    assert re.fullmatch(_parameter()["AllowedPattern"], image) is None


@pytest.mark.parametrize(
    "image",
    [
        "210987654321.dkr.ecr.eu-central-1.amazonaws.com/fasttriage-worker:9f1c2d3e4b5a69788796a5b4c3d2e1f001122334",
        "210987654321.dkr.ecr.eu-central-1.amazonaws.com/fasttriage-worker@sha256:" + "ab" * 32,
        "111.dkr.ecr/fasttriage-worker:abc123",  # what infra/deploy.sh's test passes
    ],
)
def test_pushed_images_are_accepted(image: str):
    assert re.fullmatch(_parameter()["AllowedPattern"], image) is not None


def test_refusal_message_says_what_to_do():
    message = _parameter()["ConstraintDescription"]
    assert message.startswith("must be the worker image you pushed")
    assert "infra/deploy.sh" in message and "WorkerImageUri=" in message
    assert (REPO / "infra" / "deploy.sh").is_file()
