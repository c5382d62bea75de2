"""Loads the real Lambda handler modules from functions/ by file path, as the Lambda runtime does."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def repo_root() -> Path:
    """The checkout this package lives in (dev/fasttriage/local -> repo)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "template.yaml").exists() or (parent / "functions").is_dir():
            return parent
    return Path.cwd()


def load_function(name: str, *, fresh: bool = False) -> Any:
    """functions/<name>/app.py as module `fasttriage_fn_<name>`; `fresh` re-imports (new cold start)."""
    module_name = f"fasttriage_fn_{name}"
    if not fresh and module_name in sys.modules:
        return sys.modules[module_name]
    path = repo_root() / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeContext:
    """The LambdaContext fields Powertools reads."""

    function_name: str = "local"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
