"""Amazon Transcribe (batch) for voice notes, and the sidecar transcriber used locally and in tests.

AwsTranscriber: StartTranscriptionJob on the stored audio (s3://<reports bucket>/<media key>), the output JSON
written back under the case (`<media key>.transcript.json`, encrypted with the stack's KMS key, so erasure
of the case's prefix removes it), polled with GetTranscriptionJob until COMPLETED or FAILED within a deadline,
then the job's record is deleted from Transcribe (DeleteTranscriptionJob) so no patient data stays there.
Every failure becomes domain.transcription.TranscriptionFailed with a reason (never patient data).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fasttriage.domain.transcription import LANGUAGE_CODES, TranscriptionFailed

# Transcribe's MediaFormat for the audio types WhatsApp sends (voice notes are audio/ogg with Opus).
MEDIA_FORMATS = {
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "mp4",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/amr": "amr",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/flac": "flac",
    "audio/webm": "webm",
}


def transcript_key(media_key: str) -> str:
    return f"{media_key}.transcript.json"


def transcribe_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})
    return boto3.client("transcribe", endpoint_url=endpoint_url, region_name=region, config=config)


class AwsTranscriber:
    """Satisfies domain.transcription.Transcriber."""

    def __init__(
        self,
        client: Any,
        s3: Any,
        bucket: str,
        kms_key_id: str | None = None,
        *,
        timeout_s: float = 90.0,
        poll_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client, self._s3, self._bucket, self._kms = client, s3, bucket, kms_key_id
        self._timeout_s, self._poll_s, self._clock, self._sleep = timeout_s, poll_s, clock, sleep

    def transcribe(self, *, key: str, content_type: str, language_code: str | None, job_name: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        media_format = MEDIA_FORMATS.get(content_type)
        if media_format is None:
            raise TranscriptionFailed("format")
        params: dict[str, Any] = {
            "TranscriptionJobName": job_name,
            "Media": {"MediaFileUri": f"s3://{self._bucket}/{key}"},
            "MediaFormat": media_format,
            "OutputBucketName": self._bucket,
            "OutputKey": transcript_key(key),
        }
        if self._kms:
            params["OutputEncryptionKMSKeyId"] = self._kms
        if language_code:
            params["LanguageCode"] = language_code
        else:
            params["IdentifyLanguage"] = True
            params["LanguageOptions"] = sorted(LANGUAGE_CODES.values())
        try:
            try:
                self._client.start_transcription_job(**params)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConflictException":
                    raise
                # a job of that name exists: a retry of this message after a crash; wait for it instead
            status = self._wait(job_name)
            if status != "COMPLETED":
                raise TranscriptionFailed("failed")
            answer = self._s3.get_object(Bucket=self._bucket, Key=transcript_key(key))
            return _transcript_text(answer["Body"].read())
        except (BotoCoreError, ClientError) as exc:
            raise TranscriptionFailed(f"aws:{type(exc).__name__}") from exc
        finally:
            self._forget(job_name)

    def _wait(self, job_name: str) -> str:
        deadline = self._clock() + self._timeout_s
        while True:
            job = self._client.get_transcription_job(TranscriptionJobName=job_name)["TranscriptionJob"]
            status = str(job["TranscriptionJobStatus"])
            if status in ("COMPLETED", "FAILED"):
                return status
            if self._clock() >= deadline:
                raise TranscriptionFailed("timeout")
            self._sleep(self._poll_s)

    def _forget(self, job_name: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.delete_transcription_job(TranscriptionJobName=job_name)
        except (BotoCoreError, ClientError):
            pass  # the job may not exist (refused at start) or be running (timeout): it expires on its own


def _transcript_text(raw: bytes) -> str:
    """The text of Transcribe's output JSON: results.transcripts[0].transcript."""
    try:
        document = json.loads(raw)
        return str(document["results"]["transcripts"][0]["transcript"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise TranscriptionFailed("output") from exc


class SidecarTranscriber:
    """The local stack's and the tests' transcriber: the transcript is a sidecar object stored beside the audio
    (`<media key>.txt`, UTF-8). No sidecar: TranscriptionFailed("no_sidecar"), like a failed job."""

    def __init__(self, store: Any) -> None:
        self._store = store  # anything with get(key) -> bytes (adapters.s3.ReportStore)
        self.calls: list[tuple[str, str | None]] = []  # (key, language code) asked for

    def transcribe(self, *, key: str, content_type: str, language_code: str | None, job_name: str) -> str:
        self.calls.append((key, language_code))
        try:
            return bytes(self._store.get(f"{key}.txt")).decode("utf-8")
        except Exception as exc:
            raise TranscriptionFailed("no_sidecar") from exc
