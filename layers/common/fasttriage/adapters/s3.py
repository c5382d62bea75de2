"""S3: encrypted report objects under triage/<summary_id>/ and short-lived SigV4 presigned URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from fasttriage.domain.errors import ReportStoreError

PREFIX = "triage"


def report_key(case_id: str) -> str:
    return f"{PREFIX}/{case_id}/report.pdf"


def raw_key(case_id: str) -> str:
    return f"{PREFIX}/{case_id}/raw.json"


@dataclass(frozen=True)
class StoredObject:
    key: str
    version_id: str | None


def s3_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    """An S3 client that signs with SigV4 (presigned URLs included)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
    )


DELETE_ATTEMPTS = 3  # per batch, on top of botocore's own retries of a failed call


class ReportStore:
    def __init__(
        self,
        client: Any,
        bucket: str,
        kms_key_id: str | None = None,
        *,
        retry_pause_s: float = 0.2,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._kms_key_id = kms_key_id
        self._retry_pause_s = retry_pause_s

    def _encryption(self) -> dict[str, str]:
        if self._kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._kms_key_id}
        return {"ServerSideEncryption": "AES256"}

    def put(self, key: str, body: bytes, content_type: str) -> StoredObject:
        try:
            answer = self._client.put_object(
                Bucket=self._bucket, Key=key, Body=body, ContentType=content_type, **self._encryption()
            )
        except (BotoCoreError, ClientError) as exc:
            raise ReportStoreError(f"put failed for {key}") from exc
        version = answer.get("VersionId")
        return StoredObject(key=key, version_id=version if version and version != "null" else None)

    def exists(self, key: str, version_id: str | None = None) -> bool:
        params = {"Bucket": self._bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        try:
            self._client.head_object(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}:
                return False
            raise ReportStoreError(f"head failed for {key}") from exc
        except BotoCoreError as exc:
            raise ReportStoreError(f"head failed for {key}") from exc
        return True

    def presigned_get(
        self,
        key: str,
        version_id: str | None,
        filename: str,
        expires_s: int,
        content_type: str = "application/pdf",
        inline: bool = False,
    ) -> str:
        params: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": key,
            "ResponseContentDisposition": f'{"inline" if inline else "attachment"}; filename="{filename}"',
            "ResponseContentType": content_type,
        }
        if version_id:
            params["VersionId"] = version_id
        try:
            return str(self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s))
        except (BotoCoreError, ClientError) as exc:
            raise ReportStoreError(f"presign failed for {key}") from exc

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """An object's bytes (a photo's thumbnail for the PDF)."""
        params = {"Bucket": self._bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        try:
            return bytes(self._client.get_object(**params)["Body"].read())
        except (BotoCoreError, ClientError) as exc:
            raise ReportStoreError(f"get failed for {key}") from exc

    def origin(self) -> str:
        """The scheme://host[:port] presigned URLs point at (for the console's img-src); signs locally, no call."""
        from urllib.parse import urlsplit

        url = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": "x"}, ExpiresIn=1
        )
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def delete_case(self, case_id: str) -> int:
        """Deletes every object version (and delete marker) under triage/<summary_id>/; returns the count."""
        prefix = f"{PREFIX}/{case_id}/"
        deleted = 0
        try:
            paginator = self._client.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
                items = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                ]
                if items:
                    self._delete_all(items, prefix)
                    deleted += len(items)
        except (BotoCoreError, ClientError) as exc:
            raise ReportStoreError(f"delete failed under {prefix}") from exc
        return deleted

    def _delete_all(self, items: list[dict[str, str]], prefix: str) -> None:
        """DeleteObjects answers 200 even when some keys failed: they are listed in `Errors` (with Quiet, only
        they are). Those are retried; any left after DELETE_ATTEMPTS raise ReportStoreError."""
        import time

        pending = items
        codes: set[str] = set()
        for attempt in range(1, DELETE_ATTEMPTS + 1):
            answer = self._client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": pending, "Quiet": True}
            )
            failed = {(e.get("Key"), e.get("VersionId")) for e in answer.get("Errors", [])}
            if not failed:
                return
            codes = {str(e.get("Code")) for e in answer.get("Errors", [])}
            pending = [i for i in pending if (i["Key"], i.get("VersionId")) in failed] or pending
            if attempt < DELETE_ATTEMPTS:
                time.sleep(self._retry_pause_s * attempt)
        raise ReportStoreError(
            f"delete failed under {prefix}: {len(pending)} object versions not deleted ({', '.join(sorted(codes))})"
        )
