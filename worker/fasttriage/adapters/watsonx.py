"""IBM watsonx.ai chat as a `Summarizer`, with bounded time, bounded retries and one repair turn.

Construction is cheap; the SDK client (IAM token, project lookup) is created on the first
`summarize` call and reused. Every failure leaves as one of the project's exceptions:

- `SummarizerUnavailable`: auth, network, timeouts, throttling or server errors, time budget spent;
- `SummarizerOutputInvalid`: the model answered twice with something that is not a valid summary.

Retries are ours, not the SDK's: the SDK is given a plain `httpx.Client` (no transport-level retries,
no silent TLS-verification fallback) and `max_retries=0`, so one loop here owns attempts, backoff and
the total time budget. Nothing here logs patient text; error messages carry status codes and types only.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from fasttriage.domain import prompt
from fasttriage.domain.errors import SummarizerOutputInvalid, SummarizerUnavailable
from fasttriage.domain.models import Conversation, TriageSummary
from fasttriage.domain.summarizer import merge_with_floor

SDK_LOGGER = "ibm_watsonx_ai"


class WatsonxCredentials(BaseModel):
    """Where and as whom to call watsonx.ai. The caller reads it from Secrets Manager or the environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr = Field(description="IBM Cloud API key (exchanged for an IAM token).")
    url: str = Field(
        pattern=r"^https://", description="Regional endpoint, e.g. https://us-south.ml.cloud.ibm.com"
    )
    project_id: str = Field(min_length=1)
    model_id: str = Field(min_length=1, description="e.g. ibm/granite-3-3-8b-instruct")
    # Only for private endpoints and the local test stub; leave unset for IBM Cloud.
    auth_url: str | None = Field(default=None, pattern=r"^https://", description="Full IAM token URL.")
    platform_url: str | None = Field(default=None, pattern=r"^https://", description="Projects API base URL.")
    ca_bundle: str | None = Field(
        default=None, description="PEM file of CAs to trust instead of the default."
    )


class WatsonxOptions(BaseModel):
    """Time and retry bounds. Worst case per summary is about `total_budget_s`, whatever the service does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0, description="Also sent as the server-side time_limit.")
    total_budget_s: float = Field(
        default=60.0, gt=0, description="All attempts, backoff and the repair turn."
    )
    max_retries: int = Field(default=2, ge=0, le=5, description="Retries after the first attempt of a call.")
    backoff_s: float = Field(default=0.5, ge=0, description="First backoff; doubles on each retry.")
    retry_status_codes: tuple[int, ...] = (429, 502, 503, 504)
    max_tokens: int = Field(default=1200, gt=0)
    temperature: float = Field(default=0.0, ge=0, le=2)
    json_mode: bool = Field(
        default=False, description="Send response_format=json_object; enable only for models that support it."
    )
    quiet_sdk_logs: bool = Field(
        default=True,
        description="Raise the SDK's logger to ERROR: its warnings quote raw server error bodies.",
    )


class _Retryable(Exception):
    """One attempt failed in a way worth retrying (throttled, 5xx, timeout, network)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WatsonxSummarizer:
    """`Summarizer` on watsonx.ai's chat API through the ibm-watsonx-ai SDK.

    `last_latency_ms` holds the wall time of the last `summarize` (all attempts, success or not);
    `on_latency(ms)` is called with the same figure, for the worker's metrics.
    """

    def __init__(
        self,
        credentials: WatsonxCredentials,
        options: WatsonxOptions | None = None,
        on_latency: Callable[[float], None] | None = None,
    ) -> None:
        self._credentials = credentials
        self._options = options or WatsonxOptions()
        self._on_latency = on_latency
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        self._model: Any = None  # ibm_watsonx_ai ModelInference, created on first use
        self._call = threading.local()  # the running summarize call's deadline (monotonic seconds)
        self.last_latency_ms: float | None = None

    @property
    def model_id(self) -> str:
        return self._credentials.model_id

    def summarize(self, conversation: Conversation) -> TriageSummary:
        started = time.monotonic()
        deadline = started + self._options.total_budget_s
        self._call.deadline = deadline
        try:
            messages = prompt.build_messages(conversation)
            answer = self._chat(messages, deadline)
            try:
                part = prompt.parse_summary(answer)
            except SummarizerOutputInvalid as first_error:
                repaired = self._chat(messages + prompt.repair_messages(answer, first_error), deadline)
                try:
                    part = prompt.parse_summary(repaired)
                except SummarizerOutputInvalid as second_error:
                    raise SummarizerOutputInvalid(
                        f"invalid after one repair attempt: {second_error}"
                    ) from second_error
            summary = prompt.summary_from_part(part, conversation, self._credentials.model_id)
            return merge_with_floor(summary, conversation.assessment)
        finally:
            self._call.deadline = None
            self.last_latency_ms = (time.monotonic() - started) * 1000
            if self._on_latency is not None:
                self._on_latency(self.last_latency_ms)

    def close(self) -> None:
        """Release the HTTP connections (the next `summarize` creates a new client)."""
        with self._lock:
            if self._http is not None:
                self._http.close()
            self._http = None
            self._model = None

    # --- one chat call: attempts, backoff, budget -------------------------------------------------

    def _chat(self, messages: list[dict[str, str]], deadline: float) -> str:
        options = self._options
        reason = "time budget spent before an attempt"
        for attempt in range(options.max_retries + 1):
            if attempt:
                pause = options.backoff_s * (2 ** (attempt - 1))
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                return self._attempt(messages)
            except _Retryable as exc:
                reason = exc.reason
        raise SummarizerUnavailable(f"watsonx unavailable after retries or time budget: {reason}")

    def _attempt(self, messages: list[dict[str, str]]) -> str:
        from ibm_watsonx_ai.wml_client_error import (
            ApiRequestFailure,
            ExceededLimitOfAPICalls,
            InvalidCredentialsError,
            WMLClientError,
        )

        try:
            model = self._ensure_model()
            response = model.chat(messages=messages, params=self._chat_params())
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timeout ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            if _caused_by(exc, ssl.SSLCertVerificationError):
                raise SummarizerUnavailable("watsonx TLS certificate verification failed") from exc
            raise _Retryable(f"network error ({type(exc).__name__})") from exc
        except InvalidCredentialsError as exc:
            raise SummarizerUnavailable("watsonx authentication failed (IAM rejected the API key)") from exc
        except ApiRequestFailure as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status in self._options.retry_status_codes:
                raise _Retryable(f"HTTP {status}") from exc
            raise SummarizerUnavailable(f"watsonx request failed: HTTP {status}") from exc
        except ExceededLimitOfAPICalls as exc:  # HTTP 429 on the project lookup at client creation
            raise _Retryable("HTTP 429 (project lookup)") from exc
        except WMLClientError as exc:
            raise SummarizerUnavailable(f"watsonx client error ({type(exc).__name__})") from exc
        except Exception as exc:  # the SDK raises more than it documents; never let one escape unwrapped
            raise SummarizerUnavailable(f"unexpected watsonx SDK error ({type(exc).__name__})") from exc
        return _answer_text(response)

    def _chat_params(self) -> dict[str, Any]:
        options = self._options
        params: dict[str, Any] = {
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
            "time_limit": int(options.read_timeout_s * 1000),
        }
        if options.json_mode:
            params["response_format"] = {"type": "json_object"}
        return params

    # --- the SDK client, created once ------------------------------------------------------------

    def _ensure_model(self) -> Any:
        """The ModelInference, created on first use (IAM token and project lookup happen here)."""
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(
                    verify=self._verify(),
                    timeout=self._timeout(self._options.total_budget_s),
                    event_hooks={"request": [self._fit_timeout_to_deadline]},
                )
            if self._model is None:
                self._model = self._create_model(self._http)
            return self._model

    def _create_model(self, http: httpx.Client) -> Any:
        from ibm_watsonx_ai import APIClient, Credentials
        from ibm_watsonx_ai.foundation_models import ModelInference

        if self._options.quiet_sdk_logs:
            logging.getLogger(SDK_LOGGER).setLevel(logging.ERROR)
        creds = self._credentials
        sdk_credentials = Credentials(
            url=creds.url,
            api_key=creds.api_key.get_secret_value(),
            auth_url=creds.auth_url,
            platform_url=creds.platform_url,
            # Always explicit: with verify=None the SDK retries TLS failures with verification off.
            # The CA bundle, if any, lives in `http`'s SSL context, which carries every sync request.
            verify=True,
        )
        client = APIClient(credentials=sdk_credentials, project_id=creds.project_id, httpx_client=http)
        return ModelInference(model_id=creds.model_id, api_client=client, validate=False, max_retries=0)

    def _verify(self) -> ssl.SSLContext | bool:
        if self._credentials.ca_bundle:
            return ssl.create_default_context(cafile=self._credentials.ca_bundle)
        return True

    def _fit_timeout_to_deadline(self, request: httpx.Request) -> None:
        """httpx request hook: every request the SDK sends (IAM, project, chat, token refresh) gets
        timeouts no longer than what is left of the current call's budget."""
        deadline = getattr(self._call, "deadline", None)
        if deadline is None:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.PoolTimeout("time budget spent before the request was sent", request=request)
        request.extensions["timeout"] = self._timeout(remaining).as_dict()

    def _timeout(self, remaining: float) -> httpx.Timeout:
        options = self._options
        return httpx.Timeout(
            connect=min(options.connect_timeout_s, remaining),
            read=min(options.read_timeout_s, remaining),
            write=min(options.connect_timeout_s, remaining),
            pool=min(options.connect_timeout_s, remaining),
        )


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether `kind` is anywhere in the error's cause/context chain (httpx wraps ssl errors)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _answer_text(response: Any) -> str:
    """The assistant's message content of a chat completion; a malformed envelope is the service's fault."""
    try:
        content = response["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise SummarizerUnavailable("watsonx returned a chat response without choices") from exc
    if not isinstance(content, str):
        raise SummarizerUnavailable("watsonx returned a chat response without text content")
    return content
