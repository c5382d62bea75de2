"""Fixtures for the infrastructure tests (helpers live in infra_support.py)."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from infra_support import REPO, TEMPLATE, load_cfn


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_cfn(TEMPLATE)


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


@pytest.fixture(scope="session")
def samconfig() -> dict[str, Any]:
    with (REPO / "samconfig.toml").open("rb") as handle:
        return tomllib.load(handle)
