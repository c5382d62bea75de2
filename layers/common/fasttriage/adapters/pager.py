"""Amazon SNS: pages to on-call clinicians (the pager topic) and to the escalation contact (a second topic).

One Publish per page with MessageStructure=json: a short text for SMS subscribers and the same text with a
subject for e-mail (the SNS Publish API: "a short message to your SMS subscribers and a longer message to your
email subscribers"; SMS text over 140 bytes is split by SNS on word boundaries, at most 1,600 bytes in all).
Both topics are encrypted with the stack's KMS key; the publisher needs kms:GenerateDataKey* and kms:Decrypt
on it. Errors become PagerUnavailable (retry, count, alarm); nothing here logs patient data (a page has none).

The webhook pages too, when intake is degraded (domain.escalation, duty 4), through `LazySnsPager`: boto3 is
imported and the client built after the first answer, in the background (never on the cold start), with one
attempt and tight timeouts because the patient's reply waits for the publish.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fasttriage.domain.errors import PagerUnavailable
from fasttriage.domain.escalation import IntakePage, Page

_SMS_BYTES = 1600  # SNS's total for one SMS publish


def sns_client(
    endpoint_url: str | None = None,
    region: str | None = None,
    *,
    timeout_s: float | None = None,
    total_attempts: int | None = None,
) -> Any:
    """The worker's and the sweep's client by default: connect 2 s, read 5 s, botocore's `max_attempts` 3
    (3 retries after the first try). The webhook passes `timeout_s` (both timeouts) and `total_attempts`
    (botocore's `total_max_attempts`, the first try included: 1 = no retry), because the patient's reply waits.
    """
    import boto3
    from botocore.config import Config

    retries: dict[str, Any] = {"mode": "standard", "max_attempts": 3}
    if total_attempts is not None:
        retries = {"mode": "standard", "total_max_attempts": total_attempts}
    config = Config(connect_timeout=timeout_s or 2, read_timeout=timeout_s or 5, retries=retries)
    return boto3.client("sns", endpoint_url=endpoint_url, region_name=region, config=config)


class SnsPager:
    """Satisfies domain.escalation.Pager. Without an escalation topic, escalation pages go to on-call."""

    def __init__(
        self, oncall_topic_arn: str, escalation_topic_arn: str | None = None, client: Any = None
    ) -> None:
        self._oncall = oncall_topic_arn
        self._escalation = escalation_topic_arn or oncall_topic_arn
        self._client = client or sns_client()

    def topic_for(self, page: Page | IntakePage) -> str:
        return self._escalation if page.target == "escalation" else self._oncall

    def publish(self, page: Page | IntakePage, *, now: datetime) -> str:
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


class LazySnsPager:
    """Satisfies domain.escalation.Pager for the webhook: an SnsPager built on first use or by warm()
    (a background thread, once), like the spool's client. A client that cannot be built is PagerUnavailable."""

    def __init__(self, topic_arn: str, client: Callable[[], Any]) -> None:
        self._topic_arn = topic_arn
        self._make_client = client
        self._pager: SnsPager | None = None
        self._warming: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def pager(self) -> SnsPager:
        if self._pager is None:
            with self._lock:
                if self._pager is None:
                    from botocore.exceptions import BotoCoreError

                    try:
                        self._pager = SnsPager(self._topic_arn, client=self._make_client())
                    except (BotoCoreError, ValueError) as exc:
                        raise PagerUnavailable(f"SNS client failed: {type(exc).__name__}") from exc
        return self._pager

    def warm(self) -> None:
        """Imports boto3 and builds the client in the background, after an answer (module doc)."""
        if self._pager is not None or self._warming is not None:
            return
        self._warming = threading.Thread(target=self._build_quietly, name="pager-warmup", daemon=True)
        self._warming.start()

    def _build_quietly(self) -> None:
        try:
            _ = self.pager
        except PagerUnavailable:  # surfaces on first use, counted there
            return

    def publish(self, page: Page | IntakePage, *, now: datetime) -> str:
        """SnsPager.publish; anything unexpected is a failed page too (PagerUnavailable), because the
        patient's reply waits on this call and must never depend on it."""
        try:
            return self.pager.publish(page, now=now)
        except PagerUnavailable:
            raise
        except Exception as exc:
            raise PagerUnavailable(f"SNS page failed: {type(exc).__name__}") from exc
