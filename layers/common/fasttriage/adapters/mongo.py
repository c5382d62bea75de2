"""MongoDB (Atlas or DocumentDB) through plain pymongo calls both accept.

Collections:
- messages   one document per Twilio MessageSid (_id): a redelivered job cannot add a message twice.
- summaries  one document per case (_id = summary_id): the current summary, its version, every report ref.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from fasttriage.domain.errors import RepositoryError
from fasttriage.domain.models import (
    CaseRecord,
    ConversationMessage,
    ReportRef,
    TriageJob,
    TriageSummary,
)


class MongoRepository:
    def __init__(self, db: Database[Any]) -> None:
        self._db = db
        self.messages = db["messages"]
        self.summaries = db["summaries"]

    def ensure_indexes(self) -> None:
        try:
            self.messages.create_index([("summary_id", ASCENDING), ("received_at", ASCENDING)])
            self.messages.create_index([("patient_key", ASCENDING)])
            self.summaries.create_index(
                [("patient_key", ASCENDING), ("open", ASCENDING), ("last_message_at", DESCENDING)]
            )
            self.summaries.create_index([("urgency_rank", ASCENDING), ("updated_at", DESCENDING)])
        except PyMongoError as exc:
            raise RepositoryError("could not create indexes") from exc

    # --- sessions and messages -------------------------------------------------------------------------

    def session_of_message(self, message_sid: str) -> str | None:
        try:
            doc = self.messages.find_one({"_id": message_sid}, {"summary_id": 1})
        except PyMongoError as exc:
            raise RepositoryError("message lookup failed") from exc
        return str(doc["summary_id"]) if doc else None

    def open_session(self, patient_key: str, since: datetime) -> str | None:
        try:
            doc = self.summaries.find_one(
                {"patient_key": patient_key, "open": True, "last_message_at": {"$gte": since}},
                {"_id": 1},
                sort=[("last_message_at", DESCENDING)],
            )
        except PyMongoError as exc:
            raise RepositoryError("session lookup failed") from exc
        return str(doc["_id"]) if doc else None

    def add_message(self, summary_id: str, job: TriageJob) -> bool:
        """Records the job's message in the case; False when it was already there (a redelivery)."""
        message = job.message
        try:
            self.messages.insert_one(
                {
                    "_id": message.message_sid,
                    "summary_id": summary_id,
                    "patient_key": job.patient_key,
                    "received_at": job.received_at,
                    "body": message.body,
                    "media": [m.model_dump() for m in message.media],
                }
            )
        except DuplicateKeyError:
            return False
        except PyMongoError as exc:
            raise RepositoryError("message insert failed") from exc
        return True

    def conversation(self, summary_id: str) -> list[ConversationMessage]:
        try:
            docs = self.messages.find({"summary_id": summary_id}).sort(
                [("received_at", ASCENDING), ("_id", ASCENDING)]
            )
            return [
                ConversationMessage(
                    message_sid=d["_id"], received_at=d["received_at"], body=d["body"], media=d.get("media", [])
                )
                for d in docs
            ]
        except PyMongoError as exc:
            raise RepositoryError("conversation read failed") from exc

    # --- summaries ----------------------------------------------------------------------------------------

    def save_summary(
        self,
        *,
        summary_id: str,
        job: TriageJob,
        patient: str,
        profile: str | None,
        summary: TriageSummary,
        version: int,
        report: ReportRef,
        last_message_at: datetime,
        now: datetime,
    ) -> bool:
        """Upserts the case at `version`; an older version never overwrites a newer one. Idempotent."""
        fields = {
            "patient_key": job.patient_key,
            "patient": patient,
            "profile": profile,
            "urgency": summary.urgency.value,
            "urgency_rank": summary.urgency.rank,
            "version": version,
            "message_count": version,
            "summary": summary.model_dump(mode="json"),
            "updated_at": now,
            "last_message_at": last_message_at,
            f"reports.{version}": report.model_dump(mode="json"),
        }
        try:
            self.summaries.update_one(
                {"_id": summary_id, "$or": [{"version": {"$lte": version}}, {"version": {"$exists": False}}]},
                {"$set": fields, "$setOnInsert": {"status": "new", "open": True, "created_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # a newer version is already stored: this one is stale
        except PyMongoError as exc:
            raise RepositoryError("summary upsert failed") from exc
        return True

    def get(self, summary_id: str) -> CaseRecord | None:
        try:
            doc = self.summaries.find_one({"_id": summary_id})
        except PyMongoError as exc:
            raise RepositoryError("summary read failed") from exc
        return _record(doc) if doc else None

    def list_cases(self, limit: int = 50) -> list[CaseRecord]:
        try:
            docs = self.summaries.find({}).sort([("urgency_rank", ASCENDING), ("updated_at", DESCENDING)])
            return [_record(d) for d in docs.limit(limit)]
        except PyMongoError as exc:
            raise RepositoryError("summary list failed") from exc


def _record(doc: dict[str, Any]) -> CaseRecord:
    return CaseRecord(
        summary_id=doc["_id"],
        patient=doc["patient"],
        profile=doc.get("profile"),
        status=doc.get("status", "new"),
        assignee=doc.get("assignee"),
        urgency=doc["urgency"],
        version=doc["version"],
        summary=doc["summary"],
        message_count=doc["message_count"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        last_message_at=doc["last_message_at"],
        reports=doc.get("reports", {}),
    )
