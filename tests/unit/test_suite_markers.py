"""The suites stay selectable: tests/conftest.py refuses a test that needs the broker, a browser or the stack end
to end without its marker, and a unit test cannot reach the network. Each case runs pytest on a small tree that
uses this repository's conftest.py and pyproject.toml (nothing in it reaches the broker: the guard stops it first).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_suite(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "tests").mkdir()
    shutil.copy2(REPO / "tests" / "conftest.py", tmp_path / "tests" / "conftest.py")
    for name, body in files.items():
        path = tmp_path / "tests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CONNECT = """
import socket
from conftest import BROKER_PORT


def test_connects():
    with socket.create_connection(("127.0.0.1", {port}), timeout=1):
        pass
"""


def test_a_unit_test_that_opens_a_socket_fails(tmp_path: Path):
    result = run_suite(tmp_path, {"unit/test_net.py": CONNECT.format(port=9)})
    assert result.returncode == 1
    assert "SocketBlockedError" in result.stdout


def test_a_test_that_connects_to_the_broker_without_the_marker_fails(tmp_path: Path):
    result = run_suite(tmp_path, {"integration/test_amqp.py": CONNECT.format(port="BROKER_PORT")})
    assert result.returncode == 1
    assert "without @pytest.mark.broker" in result.stdout


def test_a_test_using_the_broker_fixture_without_the_marker_is_refused_at_collection(tmp_path: Path):
    body = "def test_uses(broker_url):\n    assert broker_url\n"
    result = run_suite(
        tmp_path, {"integration/test_fixture.py": body, "e2e/test_stack.py": "def test_x():\n    pass\n"}
    )
    assert result.returncode == 4  # usage error: nothing ran
    output = result.stdout + result.stderr
    assert "test_fixture.py::test_uses: needs @pytest.mark.broker" in output
    assert "test_stack.py::test_x: needs @pytest.mark.e2e" in output


def test_marked_tests_run(tmp_path: Path):
    body = "import pytest\n\npytestmark = pytest.mark.e2e\n\n\ndef test_x():\n    assert True\n"
    result = run_suite(
        tmp_path, {"e2e/test_stack.py": body, "unit/test_pure.py": "def test_y():\n    assert 1 + 1 == 2\n"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
