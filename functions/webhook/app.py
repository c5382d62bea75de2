"""POST /webhook/twilio: verify Twilio's signature -> screen -> store the job (confirmed publish, else the
spool) -> page on-call if an emergency/urgent job did not reach the broker -> TwiML reply. The reply comes
from the local screen; only a bad request, or a message neither the broker nor the spool confirmed, is
answered with an error status. A failed page never changes the reply (metric intake_pages_failed).

Serves API Gateway REST (v1) and HTTP API (v2) events with the same routes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from fasttriage.adapters.twilio_webhook import signed_urls, twiml_message, verified_form
from fasttriage.config import WebhookSettings
from fasttriage.domain import intake
from fasttriage.domain.errors import (
    InvalidMessage,
    JobNotStored,
    PayloadTooLarge,
    SignatureRejected,
    UnsupportedMediaType,
)
from fasttriage.http import error_response, map_errors
from fasttriage.observability import logger, metrics, record_intake_page, tracer, without_phi_in_errors
from fasttriage.wiring import WebhookDependencies

if TYPE_CHECKING:  # domain.escalation loads only when a degraded-intake page is due
    from fasttriage.domain.escalation import IntakePageResult

settings = WebhookSettings.from_env()
deps = WebhookDependencies.from_settings(settings)
router = Router()


@router.post("/webhook/twilio")
def twilio_webhook() -> Response:
    event = router.current_event
    metrics.add_metric(name="messages_received", unit="Count", value=1)
    form = verified_form(
        headers=event.headers,
        body=event.body,
        is_base64=bool(event.is_base64_encoded),
        url=signed_urls(settings.public_webhook_url, event.raw_event),
        verifier=deps.verifier,
        max_bytes=settings.max_body_bytes,
    )
    result = intake.accept(
        form,
        account_sid=deps.twilio().account_sid,
        whatsapp_only=settings.whatsapp_only,
        pseudonym_key=deps.pseudonym_key(),
        publisher=deps.publisher,
        patients=deps.patients,
        spool=deps.spool,
        pager=deps.pager,
        now=lambda: datetime.now(UTC),
    )
    if result.registry_degraded:
        metrics.add_metric(name="registry_degraded", unit="Count", value=1)
    if result.job is not None:
        flags = result.job.assessment
        spooled = result.stored_in == intake.SPOOL
        logger.info(
            "job spooled" if spooled else "job published",
            job_id=result.job.job_id,
            kind=result.job.kind.value,
            stored_in=result.stored_in,
            patient_key=result.job.patient_key[:12],
            language=flags.language.value,
            red_flags=[flag.code for flag in flags.red_flags],
            emergency=flags.is_emergency,
            first_contact=result.first_contact,
            registry_degraded=result.registry_degraded,
        )
        metrics.add_metric(name="jobs_spooled" if spooled else "jobs_published", unit="Count", value=1)
        if flags.is_emergency:
            metrics.add_metric(name="emergency_flags", unit="Count", value=1)
        paged(result.page)
    else:
        logger.info("new case started", case_number=result.case_number)
    return Response(200, "application/xml", twiml_message(result.reply))


@router.post("/webhook/twilio/status")
def twilio_status() -> Response:
    """Twilio's status callback for a doctor's reply: signed like an inbound message, verified the same way."""
    event = router.current_event
    form = verified_form(
        headers=event.headers,
        body=event.body,
        is_base64=bool(event.is_base64_encoded),
        url=signed_urls(settings.reply_status_callback_url, event.raw_event),
        verifier=deps.verifier,
        max_bytes=settings.max_body_bytes,
    )
    from fasttriage.domain import replies  # the doctors' replies: off the patient's cold start

    update = replies.parse_status(form, account_sid=deps.twilio().account_sid)
    applied = deps.deliveries.record_delivery(update, datetime.now(UTC))
    logger.info("delivery status", status=update.status, error_code=update.error_code, applied=applied)
    metrics.add_metric(name=f"reply_status_{update.status}", unit="Count", value=1)
    return Response(204, "text/plain", "")


def paged(result: IntakePageResult | None) -> None:
    if result is not None:
        record_intake_page(result, "intake degraded")


# Refused requests: nothing was published; the status tells Twilio not to retry (4xx).
REJECTIONS: dict[type[Exception], tuple[int, str]] = {
    SignatureRejected: (403, "bad_signature"),
    UnsupportedMediaType: (415, "unsupported_media_type"),
    PayloadTooLarge: (413, "payload_too_large"),
    InvalidMessage: (400, "invalid_message"),
}


def rejected(exc: Exception, status: int, reason: str) -> None:
    logger.warning("message rejected", reason=reason, status=status)
    metrics.add_metric(name=f"rejected_{reason}", unit="Count", value=1)


map_errors(router, REJECTIONS, on_error=rejected)


@router.exception_handler(JobNotStored)
def not_stored(exc: JobNotStored) -> Response:
    """Neither the broker nor the spool confirmed: the message is not held anywhere (alarm: jobs_not_stored).

    With an emergency or urgent instruction: 200 and the instruction (with a request to send again), because
    Twilio does not act on the TwiML of an error answer and a retry may come too late. Otherwise: 503, which
    Twilio retries only when the webhook URL carries `#rp=...5xx` and then sends to the fallback URL
    (docs/runbook.md); see docs/decisions.md.
    """
    logger.error(
        "message not stored: broker and spool failed", error=str(exc), instruction=exc.reply is not None
    )
    metrics.add_metric(name="jobs_not_stored", unit="Count", value=1)
    paged(exc.page)
    if exc.reply is not None:
        return Response(200, "application/xml", twiml_message(exc.reply))
    return error_response(503, "not_stored", "the message could not be stored; retry later")


rest_app, http_app = APIGatewayRestResolver(), APIGatewayHttpResolver()
rest_app.include_router(router)
http_app.include_router(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)  # no PHI in X-Ray
@metrics.log_metrics
@without_phi_in_errors
def handler(event: dict, context: LambdaContext) -> dict:
    app = http_app if event.get("version") == "2.0" else rest_app
    try:
        return app.resolve(event, context)
    finally:
        deps.warm()  # the answer is ready: load the fallback paths' clients (pymongo, SQS) in the background
