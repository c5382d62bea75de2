"""The doctors' API: the triage queue, one case, status edits, report links and the console page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from fasttriage import console
from fasttriage.auth import Doctor, Forbidden, Unauthenticated, doctor_from_event
from fasttriage.config import DoctorsApiSettings
from fasttriage.domain import cases, replies
from fasttriage.domain.errors import InvalidRequest, NotFound, TransientError
from fasttriage.http import error_response, map_errors
from fasttriage.observability import logger, metrics, tracer, without_phi_in_errors
from fasttriage.wiring import DoctorsDependencies

settings = DoctorsApiSettings.from_env()
deps = DoctorsDependencies.from_settings(settings)
app = APIGatewayRestResolver(enable_validation=True)
LOCAL_GATEWAY_STAGE = "local"  # fasttriage.local.gateway's stage; a deployed API's stage is dev or prod


def current_doctor() -> Doctor:
    doctor = doctor_from_event(app.current_event.raw_event, settings.doctors_group)
    logger.append_keys(doctor=doctor.subject)
    return doctor


Caller = Annotated[Doctor, Depends(current_doctor)]


def _ports() -> dict[str, Any]:
    """The domain's ports, read per request (the local stack and the tests swap `deps`), and the clock."""
    return {"cases": deps.cases, "audit": deps.cases, "now": datetime.now(UTC)}


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/console")
def console_page() -> Response[str]:
    local = app.current_event.request_context.stage == LOCAL_GATEWAY_STAGE
    config = console.ConsoleConfig.for_request(
        local_gateway=local,
        cognito_domain=settings.cognito_domain,
        cognito_client_id=settings.cognito_client_id,
        media_origin=_media_origin(),
    )
    return Response(200, "text/html; charset=utf-8", console.render(config), headers=console.headers(config))


def _status_callback_url() -> str | None:
    """Where Twilio posts a reply's statuses when no URL is configured: this API's own host (and stage on an
    execute-api host), route /webhook/twilio/status (functions/webhook verifies the signature for that URL)."""
    context = app.current_event.request_context
    host = context.domain_name
    if not host or context.stage == LOCAL_GATEWAY_STAGE:
        return None
    stage = f"/{context.stage}" if host.endswith(".amazonaws.com") else ""
    return f"https://{host}{stage}/webhook/twilio/status"


def _media_origin() -> str | None:
    """The S3 origin of photo thumbnails' presigned URLs; None when no bucket is configured."""
    try:
        origin = deps.links.origin
    except (AttributeError, RuntimeError):  # no bucket configured, or a store that serves no photos
        return None
    return str(origin())


@app.get("/summaries")
def triage_queue(
    doctor: Caller,
    urgency: Annotated[str | None, Query(max_length=80)] = None,
    status: Annotated[str | None, Query(max_length=80)] = None,
    since: Annotated[datetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=cases.MAX_LIMIT)] = cases.DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict:
    query = cases.queue_query(urgency=urgency, status=status, since=since, limit=limit, cursor=cursor)
    return cases.list_queue(query, doctor=doctor, **_ports()).model_dump(mode="json")


@app.get("/summaries/<case_id>")
def get_case_detail(case_id: str, doctor: Caller) -> dict:
    detail = cases.case_detail(
        case_id, doctor=doctor, links=deps.links, ttl_s=settings.report_url_ttl_seconds, **_ports()
    )
    return detail.model_dump(mode="json")


@app.post("/summaries/<case_id>/phone")
def reveal_phone(case_id: str, doctor: Caller) -> dict:
    revealed = replies.reveal_phone(case_id, doctor=doctor, **_ports())
    logger.info("phone number revealed", case_id=case_id)
    metrics.add_metric(name="phone_reveals", unit="Count", value=1)
    return revealed.model_dump(mode="json")


@app.post("/summaries/<case_id>/replies")
def send_reply(case_id: str, doctor: Caller, reply: Annotated[replies.ReplyRequest, Body()]) -> Response[str]:
    policy = replies.ReplyPolicy(
        template_sid=settings.reply_template_content_sid,
        status_callback=settings.reply_status_callback_url or _status_callback_url(),
        default_sender=settings.clinic_whatsapp_sender,
    )
    result = replies.send_reply(
        case_id,
        reply,
        doctor=doctor,
        outbound=deps.outbound,
        sender=deps.sender,
        policy=policy,
        **_ports(),
    )
    logger.info("reply sent", case_id=case_id, kind=result.kind, delivery_status=result.delivery_status)
    metrics.add_metric(name="replies_sent", unit="Count", value=1)
    return Response(201, "application/json", json.dumps(result.model_dump(mode="json")))


@app.patch("/summaries/<case_id>")
def update_case_status(case_id: str, doctor: Caller, change: Annotated[cases.StatusChange, Body()]) -> dict:
    detail = cases.change_status(case_id, change, doctor=doctor, **_ports())
    logger.info("case status changed", case_id=case_id, status=detail.status.value)
    metrics.add_metric(name="case_status_changes", unit="Count", value=1)
    return detail.model_dump(mode="json")


@app.get("/summaries/<case_id>/report")
def report(case_id: str, doctor: Caller, version: Annotated[str | None, Query(max_length=10)] = None) -> dict:
    ttl_s = settings.report_url_ttl_seconds
    link = cases.report_link(
        case_id, cases.parse_version(version), doctor=doctor, links=deps.links, ttl_s=ttl_s, **_ports()
    )
    logger.info("report link issued", case_id=case_id, version=link.version)
    metrics.add_metric(name="report_links_issued", unit="Count", value=1)
    return link.model_dump(mode="json")


# Refused requests (the same table style as the webhook's REJECTIONS, through fasttriage.http.map_errors).
REFUSALS: dict[type[Exception], tuple[int, str]] = {
    Unauthenticated: (401, "unauthenticated"),
    Forbidden: (403, "forbidden"),
    InvalidRequest: (400, "invalid_request"),
    NotFound: (404, "not_found"),
}


def refused(exc: Exception, status: int, code: str) -> None:
    if status == 403:
        logger.warning("access denied")


map_errors(app, REFUSALS, on_error=refused)


@app.exception_handler(RequestValidationError)
def invalid_shape(exc: RequestValidationError) -> Response:
    problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()]
    return error_response(400, "invalid_request", "; ".join(problems))


@app.exception_handler(cases.EditConflict)
def conflict(exc: cases.EditConflict) -> Response:
    body = {"error": exc.code, "message": str(exc), "current": exc.current}
    return Response(409, "application/json", json.dumps(body))


@app.exception_handler(TransientError)
def unavailable(exc: TransientError) -> Response:
    logger.exception("dependency failed")
    return error_response(503, "unavailable", "a storage service did not answer; try again shortly")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)  # no PHI in X-Ray
@metrics.log_metrics
@without_phi_in_errors
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
