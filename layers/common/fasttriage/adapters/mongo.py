"""MongoDB (Atlas or DocumentDB) through plain pymongo calls both accept.

Collections:
- messages   one document per Twilio MessageSid (_id): a redelivered job cannot add a message twice.
- summaries  one document per case (_id = the case id): the current summary, its version, every report ref.
- patients   one document per patient key: first contact, erasure tombstone, the current case number.

Stored names predate the code's one word for a case and are kept, so existing data and indexes stay valid: the
cases' collection is `summaries`, a case id is stored as `summary_id` (`_id` in `summaries`), and the patient's
case number as `epoch`. domain.models.WIRE_NAMES maps the models' fields to the same names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from fasttriage.adapters.mongo_errors import mongo_errors
from fasttriage.domain.cases import AuditEntry, CaseView, QueueItem, QueueQuery
from fasttriage.domain.errors import RepositoryError
from fasttriage.domain.models import (
    CaseRecord,
    CaseStatus,
    ConversationMessage,
    ReportRef,
    StoredMedia,
    TriageJob,
    TriageSummary,
)


class MongoDoctorsCases:
    """The doctors' side of the cases (domain.cases.CaseStore and AuditLog): the queue, one case with its
    history, status edits, and the append-only audit trail (this code only ever inserts into `audit`)."""

    def __init__(self, db: Database[Any]) -> None:
        self._db = db
        self.summaries = db["summaries"]

    def get(self, case_id: str) -> CaseRecord | None:
        return _get_case(self.summaries, case_id)

    def ensure_indexes(self) -> None:
        """Indexes for the queue's filters and sort, and for reading the audit trail by case or by doctor."""
        with mongo_errors("could not create the doctors' indexes"):
            queue_order = [("urgency_rank", ASCENDING), ("updated_at", DESCENDING), ("_id", ASCENDING)]
            self.summaries.create_index([("status", ASCENDING), *queue_order])
            self.summaries.create_index(queue_order)
            self._db["audit"].create_index([("summary_id", ASCENDING), ("at", ASCENDING)])
            self._db["audit"].create_index([("subject", ASCENDING), ("at", ASCENDING)])

    def list_queue(self, query: QueueQuery) -> list[QueueItem]:
        """Most urgent first, newest first within a level, then by id; keyset pagination after `query.after`."""
        conditions: list[dict[str, Any]] = []
        if query.urgency:
            conditions.append({"urgency": {"$in": [u.value for u in query.urgency]}})
        if query.status:
            conditions.append({"status": {"$in": [s.value for s in query.status]}})
        if query.since:
            conditions.append({"updated_at": {"$gte": query.since}})
        if query.after:
            key = query.after
            conditions.append(
                {
                    "$or": [
                        {"urgency_rank": {"$gt": key.urgency_rank}},
                        {"urgency_rank": key.urgency_rank, "updated_at": {"$lt": key.updated_at}},
                        {
                            "urgency_rank": key.urgency_rank,
                            "updated_at": key.updated_at,
                            "_id": {"$gt": key.case_id},
                        },
                    ]
                }
            )
        projection = {
            "patient": 1,
            "profile": 1,
            "urgency": 1,
            "status": 1,
            "assignee": 1,
            "version": 1,
            "revision": 1,
            "updated_at": 1,
            "summary.chief_complaint": 1,
            "summary.red_flags.code": 1,
            "summary.provenance.producer": 1,
        }
        with mongo_errors("queue read failed"):
            docs = (
                self.summaries.find({"$and": conditions} if conditions else {}, projection)
                .sort([("urgency_rank", ASCENDING), ("updated_at", DESCENDING), ("_id", ASCENDING)])
                .limit(query.limit)
            )
            return [_queue_item(doc) for doc in docs]

    def get_view(self, case_id: str) -> CaseView | None:
        with mongo_errors("summary read failed"):
            doc = self.summaries.find_one({"_id": case_id})
        if not doc:
            return None
        from fasttriage.adapters.outbound import MongoOutbound
        from fasttriage.adapters.pages import escalation_history

        return CaseView(
            record=_record(doc),
            revision=int(doc.get("revision", 0)),
            escalations=escalation_history(self._db, case_id),
            messages=conversation(self._db, case_id),
            outbound=MongoOutbound(self._db).history(case_id),
            contact=doc.get("contact"),
            clinic=doc.get("clinic"),
            patient_key=doc.get("patient_key"),
        )

    def update_case_status(
        self,
        case_id: str,
        *,
        expected_version: int,
        expected_revision: int,
        status: CaseStatus,
        assignee: str | None,
        by: str,
        now: datetime,
    ) -> int | None:
        """Compare-and-set on (version, revision): the new revision, or None when the case moved meanwhile.

        A closed case is no longer `open`, so the patient's next message starts a new case instead of
        landing unseen in a closed one; reopening makes it open again.
        """
        revision: dict[str, Any] = (
            {"revision": expected_revision}
            if expected_revision
            else {"$or": [{"revision": 0}, {"revision": {"$exists": False}}]}
        )
        with mongo_errors("status update failed"):
            doc = self.summaries.find_one_and_update(
                {"_id": case_id, "version": expected_version, **revision},
                {
                    "$set": {
                        "status": status.value,
                        "assignee": assignee,
                        "open": status is not CaseStatus.CLOSED,
                        "status_updated_at": now,
                        "status_updated_by": by,
                    },
                    "$inc": {"revision": 1},
                },
                projection={"revision": 1},
                return_document=ReturnDocument.AFTER,
            )
        return int(doc["revision"]) if doc else None

    def record_audit(self, entry: AuditEntry) -> None:
        """Appends one audit entry. There is deliberately no update or delete path for this collection."""
        with mongo_errors("audit insert failed"):
            self._db["audit"].insert_one(entry.model_dump())


def _queue_item(doc: dict[str, Any]) -> QueueItem:
    summary = doc.get("summary") or {}
    return QueueItem(
        case_id=doc["_id"],
        patient=doc["patient"],
        profile=doc.get("profile"),
        urgency=doc["urgency"],
        status=doc.get("status", "new"),
        assignee=doc.get("assignee"),
        chief_complaint=summary.get("chief_complaint", ""),
        red_flags=[flag["code"] for flag in summary.get("red_flags", []) if "code" in flag],
        version=doc["version"],
        revision=doc.get("revision", 0),
        updated_at=doc["updated_at"],
        producer=(summary.get("provenance") or {}).get("producer", "fallback"),
    )


class MongoRepository:
    """The worker's side of the cases (domain.processing.Repository): messages, summaries, erasure."""

    def __init__(self, db: Database[Any]) -> None:
        self._db = db
        self.messages = db["messages"]
        self.summaries = db["summaries"]

    def ensure_indexes(self) -> None:
        with mongo_errors("could not create indexes"):
            self.messages.create_index([("summary_id", ASCENDING), ("received_at", ASCENDING)])
            self.messages.create_index([("patient_key", ASCENDING)])
            self.summaries.create_index(
                [("patient_key", ASCENDING), ("open", ASCENDING), ("last_message_at", DESCENDING)]
            )
        MongoDoctorsCases(self._db).ensure_indexes()

    # --- cases and messages ----------------------------------------------------------------------------

    def case_of_message(self, message_sid: str) -> str | None:
        with mongo_errors("message lookup failed"):
            doc = self.messages.find_one({"_id": message_sid}, {"summary_id": 1})
        return str(doc["summary_id"]) if doc else None

    def active_case(self, patient_key: str, since: datetime, case_number: int | None = None) -> str | None:
        """The patient's open case with a message since `since` (and of this case number, when known)."""
        query: dict[str, Any] = {"patient_key": patient_key, "open": True, "last_message_at": {"$gte": since}}
        if case_number is not None:
            query["epoch"] = case_number
        with mongo_errors("open case lookup failed"):
            doc = self.summaries.find_one(query, {"_id": 1}, sort=[("last_message_at", DESCENDING)])
        return str(doc["_id"]) if doc else None

    def add_message(self, case_id: str, job: TriageJob) -> tuple[str, bool]:
        """Adds the job's message to the case: (its case, True); for a message stored before (a redelivery):
        (the case it was added to then, False). One round trip in the usual case."""
        message = job.message
        try:
            self.messages.insert_one(
                {
                    "_id": message.message_sid,
                    "summary_id": case_id,
                    "patient_key": job.patient_key,
                    "received_at": job.received_at,
                    "body": message.body,
                    "media": [m.model_dump() for m in message.media],
                    "location": message.location.model_dump() if message.location else None,
                }
            )
        except DuplicateKeyError:
            existing = self.case_of_message(message.message_sid)
            return (existing or case_id), False
        except PyMongoError as exc:
            raise RepositoryError("message insert failed") from exc
        return case_id, True

    def set_media(self, message_sid: str, media: list[StoredMedia]) -> None:
        with mongo_errors("media update failed"):
            self.messages.update_one(
                {"_id": message_sid}, {"$set": {"stored_media": [m.model_dump() for m in media]}}
            )

    def conversation(self, case_id: str) -> list[ConversationMessage]:
        return conversation(self._db, case_id)

    # --- summaries ----------------------------------------------------------------------------------------

    def save_summary(
        self,
        *,
        case_id: str,
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
            # For the doctor's reply and "show phone number" (audited); erased with the case.
            "contact": job.message.sender,
            "clinic": job.message.recipient,
        }
        try:
            self.summaries.update_one(
                {"_id": case_id, "$or": [{"version": {"$lte": version}}, {"version": {"$exists": False}}]},
                {
                    "$set": fields,
                    "$setOnInsert": {
                        "status": "new",
                        "open": True,
                        "created_at": now,
                        "epoch": job.case_number,
                    },
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # a newer version is already stored: this one is stale
        except PyMongoError as exc:
            raise RepositoryError("summary upsert failed") from exc
        return True

    def case_ids(self, patient_key: str) -> list[str]:
        """Every case id of a patient, from their cases and their messages (a case not saved yet)."""
        with mongo_errors("erasure failed"):
            ids = [str(d["_id"]) for d in self.summaries.find({"patient_key": patient_key}, {"_id": 1})]
            ids += [
                str(d["summary_id"])
                for d in self.messages.find({"patient_key": patient_key}, {"summary_id": 1})
                if d["summary_id"] not in ids
            ]
        return sorted(set(ids))

    def erase_patient(self, patient_key: str) -> list[str]:
        """Deletes every message and case of a patient; returns the case ids (for their S3 objects)."""
        ids = self.case_ids(patient_key)
        with mongo_errors("erasure failed"):
            self.messages.delete_many({"patient_key": patient_key})
            self.summaries.delete_many({"patient_key": patient_key})
        return sorted(set(ids))

    def message_sids(self, patient_key: str) -> list[str]:
        with mongo_errors("message lookup failed"):
            return [str(d["_id"]) for d in self.messages.find({"patient_key": patient_key}, {"_id": 1})]

    def erase_case(self, case_id: str) -> None:
        """Deletes one case and its messages (a job that raced an erasure sweeps what it stored)."""
        with mongo_errors("erasure failed"):
            self.messages.delete_many({"summary_id": case_id})
            self.summaries.delete_one({"_id": case_id})

    def get(self, case_id: str) -> CaseRecord | None:
        return _get_case(self.summaries, case_id)

    def list_cases(self, limit: int = 50) -> list[CaseRecord]:
        with mongo_errors("summary list failed"):
            docs = self.summaries.find({}).sort([("urgency_rank", ASCENDING), ("updated_at", DESCENDING)])
            return [_record(d) for d in docs.limit(limit)]


class MongoPatients:
    """One small document per patient (_id = patient_key): first contact, case counter, erasure tombstone.

    The webhook uses it to send the privacy notice once, to start a new case on "new", and to record an
    erasure request; the worker uses the tombstone so a message queued before an erasure is not stored.
    """

    def __init__(self, db: Database[Any]) -> None:
        self.patients = db["patients"]

    def lookup(self, patient_key: str) -> tuple[bool, int]:
        """(first contact?, current case number), read only: the webhook registers after storing the job."""
        with mongo_errors("patient registry failed"):
            doc = self.patients.find_one({"_id": patient_key}, {"epoch": 1})
        return (doc is None, int(doc.get("epoch", 0)) if doc else 0)

    def current_case_number(self, patient_key: str) -> int:
        """The patient's case number now (the worker's answer for a job stamped without one)."""
        return self.lookup(patient_key)[1]

    def start_new_case_once(self, patient_key: str, command_id: str, now: datetime) -> bool:
        """Applies a queued "new" (sent while the registry was down) once per command (its MessageSid):
        True when applied now, False for a redelivery of a command already applied."""
        try:
            self.patients.update_one(
                {"_id": patient_key, "commands": {"$ne": command_id}},
                {
                    "$inc": {"epoch": 1},
                    "$push": {"commands": {"$each": [command_id], "$slice": -50}},
                    "$setOnInsert": {"first_seen": now},
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # the patient exists and already has this command: nothing to do
        except PyMongoError as exc:
            raise RepositoryError("patient registry failed") from exc
        return True

    def record_erasure(self, patient_key: str, at: datetime) -> None:
        """The erasure tombstone at `at`, unless one at or after it exists (the webhook may have written it):
        idempotent, so a redelivered or spooled erasure job starts no further case number."""
        with mongo_errors("patient registry failed"):
            doc = self.patients.find_one({"_id": patient_key}, {"erased_at": 1})
            erased = doc.get("erased_at") if doc else None
            if erased is not None and _aware(erased) >= at:
                return
            self.patients.update_one(
                {"_id": patient_key},
                {"$set": {"erased_at": at}, "$inc": {"epoch": 1}, "$setOnInsert": {"first_seen": at}},
                upsert=True,
            )

    def register(self, patient_key: str, now: datetime) -> tuple[bool, int]:
        """(first contact?, current case number); one round trip."""
        with mongo_errors("patient registry failed"):
            before = self.patients.find_one_and_update(
                {"_id": patient_key},
                {"$setOnInsert": {"first_seen": now, "epoch": 0}},
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        return (before is None, int(before.get("epoch", 0)) if before else 0)

    def start_new_case(self, patient_key: str, now: datetime) -> int:
        with mongo_errors("patient registry failed"):
            after = self.patients.find_one_and_update(
                {"_id": patient_key},
                {"$inc": {"epoch": 1}, "$setOnInsert": {"first_seen": now}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        return int(after["epoch"]) if after else 0

    def request_erasure(self, patient_key: str, now: datetime) -> None:
        with mongo_errors("patient registry failed"):
            self.patients.update_one(
                {"_id": patient_key},
                {"$set": {"erased_at": now}, "$inc": {"epoch": 1}, "$setOnInsert": {"first_seen": now}},
                upsert=True,
            )

    def remember_erased_messages(self, patient_key: str, message_ids: list[str]) -> None:
        """Keeps the hashed MessageSids of erased messages on the patient's tombstone (no text, no number)."""
        if not message_ids:
            return
        with mongo_errors("patient registry failed"):
            self.patients.update_one(
                {"_id": patient_key}, {"$addToSet": {"erased_messages": {"$each": message_ids}}}, upsert=True
            )

    def is_erased_message(self, patient_key: str, message_id: str) -> bool:
        with mongo_errors("patient registry failed"):
            doc = self.patients.find_one({"_id": patient_key, "erased_messages": message_id}, {"_id": 1})
        return doc is not None

    def erased_at(self, patient_key: str) -> datetime | None:
        with mongo_errors("patient registry failed"):
            doc = self.patients.find_one({"_id": patient_key}, {"erased_at": 1})
        erased = doc.get("erased_at") if doc else None
        return _aware(erased) if erased else None


def conversation(db: Database[Any], case_id: str) -> list[ConversationMessage]:
    """The case's patient messages, oldest first."""
    with mongo_errors("conversation read failed"):
        docs = (
            db["messages"]
            .find({"summary_id": case_id})
            .sort([("received_at", ASCENDING), ("_id", ASCENDING)])
        )
        return [
            ConversationMessage(
                message_sid=d["_id"],
                received_at=d["received_at"],
                body=d["body"],
                media=d.get("media", []),
                stored_media=d.get("stored_media", []),
                location=d.get("location"),
            )
            for d in docs
        ]


def _aware(moment: datetime) -> datetime:
    """MongoDB stores UTC; a client without tz_aware=True hands back naive datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _get_case(summaries: Any, case_id: str) -> CaseRecord | None:
    with mongo_errors("case read failed"):
        doc = summaries.find_one({"_id": case_id})
    return _record(doc) if doc else None


def _record(doc: dict[str, Any]) -> CaseRecord:
    return CaseRecord(
        case_id=doc["_id"],
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
