"""MongoDB `pages`: one document per page to clinicians, claimed before it is published; and the reads the
escalation sweep and the doctors' API make over cases, pages and patient instructions.

`_id` is "<summary_id>:page:<urgency>:<round>" (round 0 = the worker's first page, 1.. = the sweep's re-pages):
inserting it is the claim, so a redelivered job or a second sweep finds it and does not page again. A page
document holds no patient data (case id, urgency, round, target, reason, times, SNS message id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from fasttriage.adapters.mongo_errors import mongo_errors
from fasttriage.adapters.outbound import MongoClaims
from fasttriage.domain.errors import RepositoryError
from fasttriage.domain.escalation import (
    INSTRUCTION,
    EscalationEntry,
    OpenCase,
    PageRecord,
    history_entries,
)
from fasttriage.domain.followup import OutboundRecord
from fasttriage.domain.models import Language
from fasttriage.domain.urgency import Urgency


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page(doc: dict[str, Any]) -> PageRecord:
    return PageRecord(
        key=str(doc["_id"]),
        case_id=str(doc["summary_id"]),
        urgency=Urgency(doc["urgency"]),
        round=int(doc["round"]),
        target=doc["target"],
        reason=str(doc["reason"]),
        state=str(doc["state"]),
        created_at=_aware(doc["created_at"]),
        provider_id=doc.get("provider_id"),
    )


class MongoPageLog(MongoClaims):
    """Satisfies domain.escalation.PageLog."""

    _what = "page"

    def __init__(self, db: Database[Any]) -> None:
        self.pages = self._claims = db["pages"]

    def ensure_indexes(self) -> None:
        with mongo_errors("could not create page indexes"):
            self.pages.create_index([("summary_id", ASCENDING), ("created_at", ASCENDING)])

    def claim(self, record: PageRecord) -> bool:
        try:
            self.pages.insert_one(
                {
                    "_id": record.key,
                    "summary_id": record.case_id,
                    "urgency": record.urgency.value,
                    "round": record.round,
                    "target": record.target,
                    "reason": record.reason,
                    "state": record.state,
                    "created_at": record.created_at,
                    "updated_at": record.created_at,
                }
            )
        except DuplicateKeyError:
            return False
        except PyMongoError as exc:
            raise RepositoryError("page claim failed") from exc
        return True

    def history(self, case_id: str) -> list[PageRecord]:
        with mongo_errors("page lookup failed"):
            docs = list(self.pages.find({"summary_id": case_id}, sort=[("created_at", 1)]))
        return [_page(doc) for doc in docs]

    def all(self) -> list[PageRecord]:
        """Every page, oldest first (the local stack's out/pages.jsonl)."""
        with mongo_errors("page lookup failed"):
            return [_page(doc) for doc in self.pages.find({}, sort=[("created_at", 1)])]


class MongoOpenCases:
    """Satisfies domain.escalation.UnacknowledgedCases over `summaries` and `messages`."""

    def __init__(self, db: Database[Any]) -> None:
        self.summaries = db["summaries"]
        self.messages = db["messages"]

    def unacknowledged(self, levels: Sequence[Urgency]) -> list[OpenCase]:
        with mongo_errors("unacknowledged cases read failed"):
            docs = list(
                self.summaries.find(
                    {"status": "new", "urgency": {"$in": [level.value for level in levels]}},
                    {"urgency": 1, "summary.red_flags.code": 1, "summary.language": 1, "created_at": 1},
                )
            )
            cases = []
            for doc in docs:
                first = self.messages.find_one(
                    {"summary_id": doc["_id"]}, {"received_at": 1}, sort=[("received_at", ASCENDING)]
                )
                summary = doc.get("summary") or {}
                cases.append(
                    OpenCase(
                        case_id=str(doc["_id"]),
                        urgency=Urgency(doc["urgency"]),
                        red_flags=tuple(f["code"] for f in summary.get("red_flags", []) if "code" in f),
                        language=Language(summary.get("language", "en")),
                        first_message_at=_aware(first["received_at"] if first else doc["created_at"]),
                    )
                )
        return cases


def escalation_history(db: Database[Any], case_id: str) -> list[EscalationEntry]:
    """The case's patient instructions (from `outbound`) and pages, oldest first, for the doctors' API."""
    with mongo_errors("escalation history read failed"):
        instructions = [
            OutboundRecord(
                key=str(d["_id"]),
                kind=str(d["kind"]),
                body="",  # the API shows what was done, not the text again
                state=str(d["state"]),
                created_at=d.get("created_at"),
                by=d.get("by"),
            )
            for d in db["outbound"].find(
                {"summary_id": case_id, "kind": {"$regex": f"^{INSTRUCTION}:"}},
                {"kind": 1, "state": 1, "created_at": 1, "by": 1},
            )
        ]
        pages = MongoPageLog(db).history(case_id)
    return history_entries(instructions, pages)
