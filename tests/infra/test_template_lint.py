"""The template passes the same gates a reviewer would run: sam validate --lint, cfn-lint, checkov and sam build.

Missing tools fail (with the install command), they never skip: a green run must mean the gates ran.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from infra_support import BOOTSTRAP_TEMPLATE, INSTALL_HINT, REPO, TEMPLATE, load_cfn, tool

pytestmark = pytest.mark.infra

SAM_ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "eu-central-1"}
CHECKOV_ARGS = ["--framework", "cloudformation", "--skip-download", "--compact", "--quiet"]

# Turn every optional path on so checkov also scans prod-only and opt-in resources (it drops resources whose
# condition is false for the parameter defaults).
ALL_FEATURES_ON = {
    "Stage": "prod",
    "EnableDocumentDb": "true",
    "EnableWaf": "true",
    "DomainName": "triage.example.org",
    "HostedZoneId": "Z0000000EXAMPLE",
    "AlarmEmail": "oncall@example.org",
}


def run(command: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: int = 240):
    return subprocess.run(
        command, cwd=cwd, env=env or os.environ.copy(), capture_output=True, text=True, timeout=timeout
    )


def sam_bin() -> Path:
    return tool("SAM_BIN", ".tools/sam/bin/sam")


def checkov_bin() -> Path:
    return tool("CHECKOV_BIN", ".tools/checkov/bin/checkov")


def assert_checkov_clean(path: Path) -> None:
    result = run([str(checkov_bin()), "-f", str(path), *CHECKOV_ARGS], cwd=path.parent)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"checkov found failed checks in {path.name}:\n{output}"
    assert "Failed to run check" not in output, f"a checkov check crashed on {path.name}:\n{output}"
    passed = re.search(r"Passed checks: (\d+), Failed checks: (\d+)", output)
    assert passed, f"checkov printed no summary for {path.name}:\n{output}"
    assert int(passed.group(2)) == 0
    assert int(passed.group(1)) >= 20, f"checkov evaluated suspiciously few checks:\n{output}"


def test_sam_validate_lint_accepts_the_template():
    result = run([str(sam_bin()), "validate", "--lint", "--template-file", str(TEMPLATE)], env=SAM_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.mark.parametrize("path", [TEMPLATE, BOOTSTRAP_TEMPLATE], ids=lambda p: p.name)
def test_cfn_lint_reports_no_errors_or_warnings(path: Path):
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    if not cfn_lint.is_file():
        pytest.fail(f"{cfn_lint} not found; run: make venv")
    result = run([str(cfn_lint), "--format", "parseable", "--", str(path)])
    assert result.returncode == 0 and not result.stdout.strip(), (
        f"cfn-lint (exit {result.returncode}) on {path.name}:\n{result.stdout}{result.stderr}"
    )


def test_checkov_passes_the_template_with_defaults():
    assert_checkov_clean(TEMPLATE)


def test_checkov_passes_the_template_with_prod_and_every_optional_feature_on(tmp_path: Path):
    template = load_cfn(TEMPLATE)
    for name, value in ALL_FEATURES_ON.items():
        template["Parameters"][name]["Default"] = value
    variant = tmp_path / "template.json"
    variant.write_text(json.dumps(template, indent=1))
    assert_checkov_clean(variant)


def test_checkov_passes_the_bootstrap_template():
    assert_checkov_clean(BOOTSTRAP_TEMPLATE)


def test_sam_build_builds_a_layer_of_what_the_lambdas_import_and_both_functions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    if shutil.which("python3.12", path=_path_with_pyenv()) is None:
        pytest.fail(
            "python3.12 is needed on PATH for `sam build` (pyenv install 3.12.1, or install python3.12)"
        )
    build_dir = tmp_path / "build"
    env = {**SAM_ENV, "PYENV_VERSION": "3.11.7:3.12.1", "PATH": _path_with_pyenv()}
    result = run(
        [
            str(sam_bin()),
            "build",
            "--template-file",
            str(TEMPLATE),
            "--build-dir",
            str(build_dir),
        ],
        cwd=tmp_path,
        env=env,
        timeout=280,
    )
    assert result.returncode == 0, f"sam build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert (build_dir / "template.yaml").is_file()
    layer = build_dir / "CommonLayer" / "python"
    for function in ("WebhookFunction", "PresignFunction"):
        assert (build_dir / function / "app.py").is_file()
    with capsys.disabled():  # the size shows in every run, not only in a failing one
        assert_layer_ships_what_the_lambdas_import_and_nothing_else(layer)
    assert_every_function_imports_with_the_layer_and_the_runtime_alone(layer, tmp_path)


# What no Lambda imports: the worker image's part of the package and the development part.
NOT_IN_LAYER = [
    "fasttriage/worker.py",
    "fasttriage/dlq.py",
    "fasttriage/adapters/consumer.py",
    "fasttriage/adapters/deadletters.py",
    "fasttriage/adapters/watsonx.py",
    "fasttriage/adapters/transcribe.py",
    "fasttriage/fonts",
    "fasttriage/rules_cli.py",
    "fasttriage/local",
    "fasttriage/cli.py",
    "fasttriage/evaluation.py",
    "fasttriage/assess_cli.py",
    # the python3.12 runtime's own copies; a second botocore alone was 30 MB of the layer
    "boto3",
    "botocore",
    "s3transfer",
    # worker-only libraries
    "reportlab",
    "ibm_watsonx_ai",
    "httpx",
    "pandas",
]
LAYER_LIMIT_BYTES = 250 * 1024 * 1024  # Lambda: function + layers, unzipped
LAYER_BUDGET_BYTES = 60 * 1024 * 1024  # ours: well under the limit, with room for the function code


def assert_layer_ships_what_the_lambdas_import_and_nothing_else(layer: Path) -> None:
    for needed in ("fasttriage/domain/models.py", "fasttriage/wiring.py", "fasttriage/adapters/rabbitmq.py"):
        assert (layer / needed).is_file(), f"the layer lacks {needed}"
    for package in ("pika", "pydantic", "pymongo", "twilio", "aws_lambda_powertools", "aws_xray_sdk"):
        assert (layer / package).is_dir(), f"the layer lacks {package} (layers/common/requirements.txt)"
    shipped = [name for name in NOT_IN_LAYER if (layer / name).exists()]
    assert not shipped, f"the layer ships what no Lambda imports: {shipped}"
    size = sum(path.stat().st_size for path in layer.rglob("*") if path.is_file())
    print(f"\nCommonLayer unzipped: {size / 1024 / 1024:.1f} MB (Lambda's limit: 250 MB with the function)")
    assert size < LAYER_BUDGET_BYTES < LAYER_LIMIT_BYTES, f"the layer grew to {size / 1024 / 1024:.1f} MB"


def _path_with_pyenv() -> str:
    path = os.environ.get("PATH", "")
    shims = Path.home() / ".pyenv" / "shims"
    return f"{shims}{os.pathsep}{path}" if shims.is_dir() and str(shims) not in path else path


def test_install_hint_names_the_script_that_exists():
    assert (REPO / INSTALL_HINT.split()[-1]).is_file()


# What the python3.12 runtime adds to the path after the layers (/var/runtime): boto3 and what it needs.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "dateutil", "six.py", "urllib3", "jmespath")
FUNCTIONS = ("webhook", "presign", "drainer", "escalation", "broker_users")


def assert_every_function_imports_with_the_layer_and_the_runtime_alone(layer: Path, tmp_path: Path) -> None:
    """A cold start of each handler on a bare Python 3.12 (-I: no venv, no site-packages of ours) with the
    built layer and stand-ins for the runtime's boto3: an import the layer lacks fails here, not in AWS."""
    python = subprocess.run(
        ["bash", str(REPO / "scripts" / "python312.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    runtime = tmp_path / "var-runtime"
    runtime.mkdir()
    site = Path(sys.executable).parent.parent / "lib" / "python3.12" / "site-packages"
    for name in RUNTIME_PACKAGES:
        (runtime / name).symlink_to(site / name)
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PAGE_TOPIC_ARN": "arn:aws:sns:eu-central-1:210987654321:pages",
        "MONGO_URI": "mongodb://127.0.0.1:1/fasttriage",  # pymongo connects on first use, never here
    }
    for name in FUNCTIONS:
        code = f"import sys; sys.path[:0] = ['.', {str(layer)!r}, {str(runtime)!r}]; import app"
        result = run([python, "-I", "-c", code], cwd=REPO / "functions" / name, env=env, timeout=60)
        assert result.returncode == 0, (
            f"functions/{name} does not import with the layer:\n{result.stderr[-3000:]}"
        )
