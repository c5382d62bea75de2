"""One source of dependencies: pyproject.toml's extras -> requirements/lock.txt -> the layer's and the image's files.

scripts/requirements_lock.py --check fails when the lock, the venv or a generated file drifts; these tests run it
on the repository and on tampered copies (offline: it reads the lock and the venv's installed metadata).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FILES = [
    "pyproject.toml",
    "requirements/lock.txt",
    "layers/common/requirements.txt",
    "worker/requirements.txt",
]


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "requirements_lock.py"), "--check", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tmp_path / name)
    return tmp_path


def test_generated_requirement_files_match_the_lock_and_pyproject():
    result = check(REPO)
    assert result.returncode == 0, result.stderr


def test_layer_file_leaves_out_what_the_lambda_runtime_provides_and_pins_everything_else():
    lines = [line for line in (REPO / FILES[2]).read_text().splitlines() if not line.startswith("#")]
    names = {line.split("==")[0] for line in lines}
    assert all("==" in line for line in lines)
    assert {"pydantic", "pika", "pymongo", "twilio", "aws-lambda-powertools", "aws-xray-sdk"} <= names
    assert not names & {"boto3", "botocore", "s3transfer"}
    worker = {line.split("==")[0] for line in (REPO / FILES[3]).read_text().splitlines() if "==" in line}
    assert {"boto3", "botocore", "ibm-watsonx-ai", "reportlab"} <= worker


def test_a_hand_edited_worker_file_is_drift(copy: Path):
    target = copy / "worker" / "requirements.txt"
    target.write_text(target.read_text() + "leftpad==1.0\n")
    result = check(copy)
    assert result.returncode == 1
    assert "worker/requirements.txt differs" in result.stderr


def test_a_dependency_added_to_pyproject_but_not_locked_is_drift(copy: Path):
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('"reportlab==5.1.0",', '"reportlab==5.1.0",\n    "leftpad==1.0",', 1))
    result = check(copy)
    assert result.returncode == 1
    assert "requirements/lock.txt lacks leftpad==1.0" in result.stderr


def test_a_lock_that_contradicts_a_pyproject_pin_is_drift(copy: Path):
    lock = copy / "requirements" / "lock.txt"
    lock.write_text(lock.read_text().replace("\npika==1.4.4\n", "\npika==1.3.0\n"))
    result = check(copy)
    assert result.returncode == 1
    assert "pins pika==1.3.0, pyproject.toml wants pika==1.4.4" in result.stderr
