"""Helpers for the infrastructure tests: repository paths, the template loader, tool lookup, tree walking.

A plain module (not a conftest.py) so it never shadows tests/conftest.py, which unit tests import from.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
BOOTSTRAP_TEMPLATE = REPO / "infra" / "bootstrap.yaml"
INSTALL_HINT = "bash scripts/install-tools.sh"


def load_cfn(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template with cfn-lint's decoder (!Ref/!Sub/!GetAtt become Ref/Fn::* dicts)."""
    try:
        from cfnlint.decode import decode
    except ImportError:  # pragma: no cover - environment problem, reported clearly
        pytest.fail(f"cfn-lint is not importable from {sys.executable}; run: make venv")
    template, matches = decode(str(path))
    assert not matches, f"{path.name} does not parse: {matches}"
    assert template is not None
    return template


def tool(env_var: str, relative: str) -> Path:
    """A CLI from $ENV_VAR or <repo>/<relative>; a missing tool fails the test with the install command."""
    path = Path(os.environ.get(env_var) or REPO / relative)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} not found (set ${env_var} or run: {INSTALL_HINT})")
    return path


def walk(node: Any) -> Iterator[Any]:
    """Every dict, list and scalar inside node, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def refs_in(node: Any) -> set[str]:
    """Logical ids referenced by Ref, Fn::GetAtt or ${...} inside Fn::Sub anywhere in node."""
    found: set[str] = set()
    for item in walk(node):
        if not isinstance(item, dict):
            continue
        if "Ref" in item and isinstance(item["Ref"], str):
            found.add(item["Ref"].split(".")[0])
        if "Fn::GetAtt" in item:
            target = item["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else str(target).split(".")[0])
        if "Fn::Sub" in item:
            body = item["Fn::Sub"]
            text = body[0] if isinstance(body, list) else body
            found.update(name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", str(text)))
    return found


def statements(policy_holder: dict[str, Any]) -> list[dict[str, Any]]:
    """IAM statements of a SAM function (Policies) or an IAM role (Policies[].PolicyDocument)."""
    found: list[dict[str, Any]] = []
    for policy in policy_holder.get("Policies", []):
        if not isinstance(policy, dict):
            continue
        document = policy.get("PolicyDocument", policy)
        found.extend(document.get("Statement", []))
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
