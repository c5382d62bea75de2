"""The doctors' API: health, and short-lived presigned report URLs for members of the doctors' group."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from fasttriage.auth import Doctor, Forbidden, Unauthenticated, doctor_from_event
from fasttriage.config import Settings
from fasttriage.domain import cases
from fasttriage.domain.errors import InvalidRequest, NotFound
from fasttriage.http import error_response
from fasttriage.observability import logger, metrics, tracer
from fasttriage.wiring import DoctorsDependencies

settings = Settings.from_env()
deps = DoctorsDependencies.from_settings(settings)
app = APIGatewayRestResolver()


def _doctor() -> Doctor:
    doctor = doctor_from_event(app.current_event.raw_event, settings.doctors_group)
    logger.append_keys(doctor=doctor.subject)
    return doctor


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/summaries/<summary_id>/report")
def report(summary_id: str) -> dict:
    _doctor()
    version = cases.parse_version(app.current_event.get_query_string_value("version"))
    link = cases.report_link(
        summary_id,
        version,
        cases=deps.cases,
        links=deps.links,
        ttl_s=settings.report_url_ttl_seconds,
        now=datetime.now(UTC),
    )
    logger.info("report link issued", summary_id=summary_id, version=link.version)
    metrics.add_metric(name="report_links_issued", unit="Count", value=1)
    return {
        "summary_id": link.summary_id,
        "version": link.version,
        "url": link.url,
        "expires_at": link.expires_at.isoformat(),
        "filename": link.filename,
    }


@app.exception_handler(Unauthenticated)
def unauthenticated(exc: Unauthenticated) -> Response:
    return error_response(401, "unauthenticated", str(exc))


@app.exception_handler(Forbidden)
def forbidden(exc: Forbidden) -> Response:
    logger.warning("access denied")
    return error_response(403, "forbidden", str(exc))


@app.exception_handler(InvalidRequest)
def invalid(exc: InvalidRequest) -> Response:
    return error_response(400, "invalid_request", str(exc))


@app.exception_handler(NotFound)
def not_found(exc: NotFound) -> Response:
    return error_response(404, "not_found", str(exc))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
