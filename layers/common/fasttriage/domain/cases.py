"""The doctors' core: read cases and hand out short-lived report links. Pure: ports are passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from fasttriage.domain.errors import InvalidRequest, NotFound
from fasttriage.domain.models import SUMMARY_ID_PATTERN, CaseRecord


class CaseReader(Protocol):
    def get(self, summary_id: str) -> CaseRecord | None: ...


class ReportLinks(Protocol):
    def exists(self, key: str, version_id: str | None = None) -> bool: ...
    def presigned_get(self, key: str, version_id: str | None, filename: str, expires_s: int) -> str: ...


@dataclass(frozen=True)
class ReportLink:
    summary_id: str
    version: int
    url: str
    expires_at: datetime
    filename: str


def check_summary_id(summary_id: str) -> str:
    if not SUMMARY_ID_PATTERN.match(summary_id):
        raise InvalidRequest("summary_id must be 32 lowercase hexadecimal characters")
    return summary_id


def parse_version(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidRequest("version must be a positive whole number")
    return int(raw)


def get_case(summary_id: str, *, cases: CaseReader) -> CaseRecord:
    record = cases.get(check_summary_id(summary_id))
    if record is None:
        raise NotFound(f"no summary {summary_id}")
    return record


def report_link(
    summary_id: str,
    version: int | None,
    *,
    cases: CaseReader,
    links: ReportLinks,
    ttl_s: int,
    now: datetime,
) -> ReportLink:
    record = get_case(summary_id, cases=cases)
    ref = record.report(version)
    if ref is None:
        raise NotFound(f"summary {summary_id} has no version {version}")
    if not links.exists(ref.key, ref.s3_version_id):
        raise NotFound(f"the report of summary {summary_id} version {ref.version} is not stored")
    filename = f"fasttriage-{summary_id[:8]}-v{ref.version}.pdf"
    url = links.presigned_get(ref.key, ref.s3_version_id, filename, ttl_s)
    return ReportLink(
        summary_id=summary_id,
        version=ref.version,
        url=url,
        expires_at=now + timedelta(seconds=ttl_s),
        filename=filename,
    )
