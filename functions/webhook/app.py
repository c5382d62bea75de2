"""POST /webhook/twilio: verify Twilio's signature -> screen and publish (confirmed) -> TwiML reply.

Serves API Gateway REST (v1) and HTTP API (v2) events with the same routes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from fasttriage.adapters.twilio import called_url, twiml_message, verified_form
from fasttriage.config import Settings
from fasttriage.domain import intake, replies
from fasttriage.domain.errors import (
    InvalidMessage,
    PayloadTooLarge,
    PublishError,
    RepositoryError,
    SignatureRejected,
    UnsupportedMediaType,
)
from fasttriage.http import error_response
from fasttriage.observability import logger, metrics, tracer, without_phi_in_errors
from fasttriage.wiring import WebhookDependencies

settings = Settings.from_env()
deps = WebhookDependencies.from_settings(settings)
router = Router()


@router.post("/webhook/twilio")
def twilio_webhook() -> Response:
    event = router.current_event
    metrics.add_metric(name="messages_received", unit="Count", value=1)
    form = verified_form(
        headers=event.headers,
        body=event.body,
        is_base64=event.is_base64_encoded,
        url=settings.public_webhook_url or called_url(event.raw_event),
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
        now=lambda: datetime.now(UTC),
    )
    if result.job is not None:
        flags = result.job.assessment
        logger.info(
            "job published",
            job_id=result.job.job_id,
            kind=result.job.kind.value,
            patient_key=result.job.patient_key[:12],
            language=flags.language.value,
            red_flags=[flag.code for flag in flags.red_flags],
            emergency=flags.is_emergency,
            first_contact=result.first_contact,
        )
        metrics.add_metric(name="jobs_published", unit="Count", value=1)
        if flags.is_emergency:
            metrics.add_metric(name="emergency_flags", unit="Count", value=1)
    else:
        logger.info("new case started", case_epoch=result.case_epoch)
    return Response(200, "application/xml", twiml_message(result.reply))


@router.post("/webhook/twilio/status")
def twilio_status() -> Response:
    """Twilio's status callback for a doctor's reply: signed like an inbound message, verified the same way."""
    event = router.current_event
    form = verified_form(
        headers=event.headers,
        body=event.body,
        is_base64=event.is_base64_encoded,
        url=settings.reply_status_callback_url or called_url(event.raw_event),
        verifier=deps.verifier,
        max_bytes=settings.max_body_bytes,
    )
    update = replies.parse_status(form, account_sid=deps.twilio().account_sid)
    applied = deps.deliveries.record_delivery(update, datetime.now(UTC))
    logger.info("delivery status", status=update.status, error_code=update.error_code, applied=applied)
    metrics.add_metric(name=f"reply_status_{update.status}", unit="Count", value=1)
    return Response(204, "text/plain", "")


# Refused requests: nothing was published; the status tells Twilio not to retry (4xx).
REJECTIONS: dict[type[Exception], tuple[int, str]] = {
    SignatureRejected: (403, "bad_signature"),
    UnsupportedMediaType: (415, "unsupported_media_type"),
    PayloadTooLarge: (413, "payload_too_large"),
    InvalidMessage: (400, "invalid_message"),
}


@router.exception_handler(list(REJECTIONS))
def rejected(exc: Exception) -> Response:
    status, reason = next(v for kind, v in REJECTIONS.items() if isinstance(exc, kind))
    logger.warning("message rejected", reason=reason, status=status)
    metrics.add_metric(name=f"rejected_{reason}", unit="Count", value=1)
    return error_response(status, reason, str(exc))


@router.exception_handler(PublishError)
@router.exception_handler(RepositoryError)
def unconfirmed(exc: Exception) -> Response:
    logger.error("message not accepted: dependency failed", error=type(exc).__name__, detail=str(exc))
    metrics.add_metric(name="publish_failures", unit="Count", value=1)
    response = error_response(503, "queue_unavailable", "the message could not be queued; retry later")
    response.headers["Retry-After"] = "5"
    return response


rest_app, http_app = APIGatewayRestResolver(), APIGatewayHttpResolver()
rest_app.include_router(router)
http_app.include_router(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)  # no PHI in X-Ray
@metrics.log_metrics
@without_phi_in_errors
def handler(event: dict, context: LambdaContext) -> dict:
    app = http_app if event.get("version") == "2.0" else rest_app
    return app.resolve(event, context)
