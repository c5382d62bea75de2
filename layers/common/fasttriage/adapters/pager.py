"""Amazon SNS: pages to on-call clinicians (the pager topic) and to the escalation contact (a second topic).

One Publish per page with MessageStructure=json: a short text for SMS subscribers and the same text with a
subject for e-mail (the SNS Publish API: "a short message to your SMS subscribers and a longer message to your
email subscribers"; SMS text over 140 bytes is split by SNS on word boundaries, at most 1,600 bytes in all).
Both topics are encrypted with the stack's KMS key; the publisher needs kms:GenerateDataKey* and kms:Decrypt
on it. Errors become PagerUnavailable (retry, count, alarm); nothing here logs patient data (a page has none).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fasttriage.domain.errors import PagerUnavailable
from fasttriage.domain.escalation import Page

_SMS_BYTES = 1600  # SNS's total for one SMS publish


def sns_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("sns", endpoint_url=endpoint_url, region_name=region, config=config)


class SnsPager:
    """Satisfies domain.escalation.Pager. Without an escalation topic, escalation pages go to on-call."""

    def __init__(
        self, oncall_topic_arn: str, escalation_topic_arn: str | None = None, client: Any = None
    ) -> None:
        self._oncall = oncall_topic_arn
        self._escalation = escalation_topic_arn or oncall_topic_arn
        self._client = client or sns_client()

    def topic_for(self, page: Page) -> str:
        return self._escalation if page.target == "escalation" else self._oncall

    def publish(self, page: Page, *, now: datetime) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        text = page.text(now)
        message = {
            "default": text,
            "email": text,
            "sms": text.encode()[:_SMS_BYTES].decode(errors="ignore"),
        }
        try:
            answer = self._client.publish(
                TopicArn=self.topic_for(page),
                Subject=page.subject()[:99],
                Message=json.dumps(message),
                MessageStructure="json",
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "unknown")
            raise PagerUnavailable(f"SNS refused the page: {code}") from exc
        except BotoCoreError as exc:
            raise PagerUnavailable(f"SNS did not answer: {type(exc).__name__}") from exc
        return str(answer["MessageId"])
