"""The urgency scale, the same names everywhere: API, Mongo, PDF, metrics."""

from __future__ import annotations

from enum import Enum


class Urgency(str, Enum):
    """How soon a patient needs care, most urgent first."""

    EMERGENCY = "emergency"  # call emergency services now
    URGENT = "urgent"  # in-person care within hours
    SOON = "soon"  # a clinician within 24-48 h
    ROUTINE = "routine"  # a regular appointment
    SELF_CARE = "self_care"  # self-care advice is enough

    @property
    def rank(self) -> int:
        """0 for emergency, growing as urgency falls: sorts most urgent first."""
        return _ORDER.index(self)

    def __ge__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank >= other.rank

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank > other.rank


_ORDER = [Urgency.EMERGENCY, Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE, Urgency.SELF_CARE]


def most_urgent(*levels: Urgency | None) -> Urgency | None:
    """The highest of the given levels; None when none is given."""
    present = [level for level in levels if level is not None]
    return min(present, key=lambda level: level.rank) if present else None
