"""The worker image as worker/Dockerfile builds it, without Docker: its requirements alone (pinned, --no-deps, as
generated) in a fresh Python 3.12 venv, the folders its COPY lines name, the environment of its ENV lines. The
worker's and the admin task's entry points must start there: a module the image lacks fails here, not in ECS.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from infra_support import REPO

pytestmark = pytest.mark.infra

DOCKERFILE = REPO / "worker" / "Dockerfile"


def dockerfile_env() -> dict[str, str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line))
    return env


def dockerfile_copies() -> list[tuple[str, str]]:
    return re.findall(r"^COPY (\S+) (\S+)$", DOCKERFILE.read_text(), re.MULTILINE)


def test_dockerfile_copies_the_layer_and_the_worker_parts_and_never_the_dev_part():
    sources = [source for source, _ in dockerfile_copies()]
    assert "layers/common/fasttriage" in sources and "worker/fasttriage" in sources
    assert not any(source.startswith("dev/") for source in sources)


def test_worker_and_admin_entry_points_start_from_the_image_contents_alone(tmp_path: Path):
    python = subprocess.run(
        ["bash", str(REPO / "scripts" / "python312.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--no-deps", "-r", "worker/requirements.txt"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    app = tmp_path / "app"
    for source, target in dockerfile_copies():
        if source.endswith("requirements.txt"):
            continue
        destination = app / Path(target).relative_to("/app")
        shutil.copytree(REPO / source, destination, dirs_exist_ok=True)  # COPY merges folders
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **dockerfile_env()}
    for module in ("fasttriage.worker", "fasttriage.dlq"):
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-m", module, "--help"],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"python -m {module} fails in the image:\n{result.stderr[-3000:]}"
    leaked = [name for name in ("local", "cli.py", "evaluation.py") if (app / "fasttriage" / name).exists()]
    assert not leaked, f"the image carries development code: {leaked}"
