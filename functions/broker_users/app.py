"""CloudFormation custom resource: the broker's publisher and consumer users (RabbitMQ management API).

Properties: AmqpEndpoint, QueueName, AdminSecretArn, PublisherSecretArn, ConsumerSecretArn (each secret a JSON
object {"username", "password"}). Create/Update put the users and their permissions; Delete removes them.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext

from fasttriage.adapters.broker_users import BrokerUser, RabbitAdmin, management_url, sync_users
from fasttriage.config import require_real
from fasttriage.observability import logger


def _credentials(arn: str) -> tuple[str, str]:
    value = parameters.get_secret(arn, transform="json", max_age=0)
    if not isinstance(value, dict):
        raise ValueError("a broker secret is not a JSON object")
    return require_real("username", value.get("username")), require_real("password", value.get("password"))


def _users(props: dict[str, Any]) -> list[BrokerUser]:
    return [
        BrokerUser(role, *_credentials(props[f"{role.capitalize()}SecretArn"]))  # type: ignore[arg-type]
        for role in ("publisher", "consumer")
    ]


def apply(event: dict[str, Any], admin_url: str | None = None) -> list[str]:
    props = event["ResourceProperties"]
    admin = RabbitAdmin(
        admin_url or management_url(props["AmqpEndpoint"]), *_credentials(props["AdminSecretArn"])
    )
    users = _users(props)
    if event["RequestType"] == "Delete":
        for user in users:
            admin.delete_user(user.username)
        return []
    old = event.get("OldResourceProperties") or {}
    retired = [u.username for u in _users(old)] if old else []
    return sync_users(admin, users, queue=props["QueueName"], retired=retired)


def respond(event: dict[str, Any], status: str, reason: str, data: dict[str, Any]) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:500],
            "PhysicalResourceId": f"broker-users-{event['ResourceProperties'].get('QueueName', 'jobs')}",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    if not str(event["ResponseURL"]).startswith(("https://", "http://")):
        raise ValueError("ResponseURL is not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above (CloudFormation's presigned URL)
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    kind = event["RequestType"]
    try:
        kept = apply(event)
        logger.info("broker users applied", request=kind, users=kept)
        respond(event, "SUCCESS", "ok", {"Users": ",".join(kept)})
    except Exception as exc:  # every failure must still answer CloudFormation, or the stack hangs for an hour
        logger.error("broker users failed", request=kind, error=type(exc).__name__, detail=str(exc)[:300])
        # A Delete that cannot reach the broker must not block the stack: the broker goes with it.
        status = "SUCCESS" if kind == "Delete" else "FAILED"
        respond(event, status, f"{type(exc).__name__}: {str(exc)[:300]}", {})
