"""MongoDB `outbound`: one document per message the worker sends a patient, claimed before it is sent.

`_id` is "<inbound MessageSid>:<kind>" (e.g. "SM...:followup") for a follow-up, and
"<summary_id>:instruction:<urgency>" for the emergency/urgent instruction (domain.escalation, once per case and
level; the webhook's own reply is recorded with state "sent" and `by` "webhook/rules"): inserting it is the
claim, so a redelivered job finds the document and does not send again. States: sending -> sent | rejected | unknown; a send that
certainly did not reach Twilio deletes its claim (`release`) so a retry may send.

The document keeps the text sent (the clinician may need to see what the patient was asked) and the
patient's pseudonymous key so an erasure removes it; never a phone number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from fasttriage.adapters.mongo_errors import mongo_errors
from fasttriage.domain.errors import RepositoryError
from fasttriage.domain.followup import OutboundRecord
from fasttriage.domain.replies import DeliveryUpdate


class MongoClaims:
    """The end of a claim-before-send document (the outbound log here, the page log in adapters.pages)."""

    _claims: Collection[Any]
    _what: str  # for error messages: "outbound", "page"

    def finish(self, key: str, *, state: str, now: datetime, provider_id: str | None = None) -> None:
        """Moves a claim to its final state (sent, with the provider's message id; rejected; unknown)."""
        update: dict[str, Any] = {"state": state, "updated_at": now}
        if provider_id:
            update["provider_id"] = provider_id
        with mongo_errors(f"{self._what} update failed"):
            self._claims.update_one({"_id": key}, {"$set": update})

    def take_over(self, key: str, *, stale_before: datetime, now: datetime) -> bool:
        """Takes a claim left in 'sending' since before `stale_before` (its sender died between the claim and
        the send); True for exactly one caller, who must now send. Atomic: one conditional update."""
        with mongo_errors(f"{self._what} take-over failed"):
            result = self._claims.update_one(
                {"_id": key, "state": "sending", "updated_at": {"$lt": stale_before}},
                {"$set": {"updated_at": now}},
            )
        return result.modified_count == 1

    def release(self, key: str) -> None:
        """Deletes a claim still in 'sending' (the send certainly failed), so a retry can claim it again."""
        with mongo_errors(f"{self._what} release failed"):
            self._claims.delete_one({"_id": key, "state": "sending"})


class MongoOutbound(MongoClaims):
    """Satisfies domain.followup.OutboundLog with plain pymongo calls (Atlas and DocumentDB)."""

    _what = "outbound"

    def __init__(self, db: Database[Any]) -> None:
        self.outbound = self._claims = db["outbound"]

    def ensure_indexes(self) -> None:
        with mongo_errors("could not create outbound indexes"):
            self.outbound.create_index([("summary_id", ASCENDING), ("created_at", ASCENDING)])
            self.outbound.create_index([("patient_key", ASCENDING)])
            self.outbound.create_index([("provider_id", ASCENDING)], sparse=True)

    def claim(
        self,
        key: str,
        *,
        case_id: str,
        patient_key: str,
        kind: str,
        body: str,
        now: datetime,
        by: str | None = None,
        state: str = "sending",
    ) -> bool:
        """Records the intent to send; False when `key` was already claimed (sent, or being sent).
        `state="sent"` records a message sent by someone else (the webhook's reply); `by` says who decided."""
        document: dict[str, Any] = {
            "_id": key,
            "summary_id": case_id,
            "patient_key": patient_key,
            "kind": kind,
            "body": body,
            "state": state,
            "created_at": now,
            "updated_at": now,
        }
        if by:
            document["by"] = by
        try:
            self.outbound.insert_one(document)
        except DuplicateKeyError:
            return False
        except PyMongoError as exc:
            raise RepositoryError("outbound claim failed") from exc
        return True

    def history(self, case_id: str) -> list[OutboundRecord]:
        """Every claim of the case, oldest first."""
        with mongo_errors("outbound lookup failed"):
            docs = list(
                self.outbound.find(
                    {"summary_id": case_id},
                    {
                        "kind": 1,
                        "body": 1,
                        "state": 1,
                        "created_at": 1,
                        "by": 1,
                        "updated_at": 1,
                        "provider_id": 1,
                        "delivery_status": 1,
                        "error_code": 1,
                    },
                    sort=[("created_at", 1)],
                )
            )
        return [
            OutboundRecord(
                key=str(d["_id"]),
                kind=str(d["kind"]),
                body=str(d["body"]),
                state=str(d["state"]),
                created_at=d.get("created_at"),
                by=d.get("by"),
                updated_at=d.get("updated_at"),
                provider_id=d.get("provider_id"),
                delivery_status=d.get("delivery_status"),
                error_code=d.get("error_code"),
            )
            for d in docs
        ]

    def record_delivery(self, update: DeliveryUpdate, now: datetime) -> bool:
        """Moves a sent message's delivery status forward (never back: callbacks may come out of order).
        False when no message matched or the status was not newer."""
        where: dict[str, Any] = {"_id": update.key} if update.key else {"provider_id": update.message_sid}
        where["$or"] = [{"delivery_rank": {"$lt": update.rank}}, {"delivery_rank": {"$exists": False}}]
        fields: dict[str, Any] = {
            "delivery_status": update.status,
            "delivery_rank": update.rank,
            "delivery_updated_at": now,
        }
        if update.error_code:
            fields["error_code"] = update.error_code
        with mongo_errors("delivery status update failed"):
            return bool(self.outbound.update_one(where, {"$set": fields}).modified_count)

    def erase_patient(self, patient_key: str) -> int:
        """Deletes everything sent to the patient (part of a data erasure); returns the count."""
        with mongo_errors("outbound erasure failed"):
            return int(self.outbound.delete_many({"patient_key": patient_key}).deleted_count)
