"""The escalation sweep, every minute (EventBridge Scheduler): re-pages emergency/urgent cases still `new`.

Thin: the clock, the cases and the pager come from wiring; the rules are domain.escalation.sweep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from fasttriage.config import EscalationSweepSettings
from fasttriage.domain import escalation
from fasttriage.observability import logger, metrics, tracer
from fasttriage.wiring import EscalationDependencies

settings = EscalationSweepSettings.from_env()
deps = EscalationDependencies.from_settings(settings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = escalation.sweep(deps.cases, deps.ports, now=deps.clock(), policy=deps.policy)
    logger.info("escalation sweep", checked=result.checked, paged=len(result.paged), failed=result.failed)
    if result.paged:
        metrics.add_metric(name="pages_published", unit="Count", value=len(result.paged))
    return {"checked": result.checked, "paged": len(result.paged), "failed": result.failed}
