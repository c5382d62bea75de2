"""What a doctor sees of a patient's identity in the queue, the case and the PDF: the number's last four
digits and the profile name's initials. Logs carry neither (they use the keyed hash)."""

from __future__ import annotations


def mask_phone(sender: str) -> str:
    """'whatsapp:+15551234567' -> 'whatsapp:***4567': enough for a doctor to recognise, not to dial."""
    channel, _, number = sender.rpartition(":")
    digits = "".join(ch for ch in number if ch.isdigit())
    tail = digits[-4:] if len(digits) >= 4 else ""
    return f"{channel + ':' if channel else ''}***{tail}"


def mask_name(name: str | None) -> str | None:
    """'Maria Souza' -> 'M. S.': initials only."""
    if not name:
        return None
    parts = [part for part in name.split() if part]
    return " ".join(f"{part[0]}." for part in parts) or None
