"""The sample conversations behind events/: fictional patients, fictional numbers (+1 555 01xx)."""

from __future__ import annotations

import json
from pathlib import Path

from fasttriage.local.events import message_sid, rest_event, signed_webhook_event, twilio_payload

SAMPLE_CONVERSATIONS: list[dict] = [
    {
        "name": "emergency_chest_pain_pt",
        "sender": "whatsapp:+15550100101",
        "profile": "Maria Souza",
        "messages": [
            "Boa noite, estou com uma dor no peito muito forte, apertando, e vai para o braço esquerdo. "
            "Estou suando frio.",
        ],
    },
    {
        "name": "sore_throat_en",
        "sender": "whatsapp:+15550100102",
        "profile": "John Carter",
        "messages": [
            "Hi, I've had a sore throat and a mild fever (37.9) for 3 days. Paracetamol helps a bit.",
            "No trouble breathing, I can swallow fine. I'm allergic to penicillin.",
        ],
    },
    {
        "name": "infant_fever_es",
        "sender": "whatsapp:+15550100103",
        "profile": "Lucia Fernandez",
        "messages": ["Hola, mi bebé de 6 semanas tiene fiebre de 38.5 desde esta mañana y no quiere comer"],
    },
    {
        # Not flagged by the red-flag screen; the local summarizer stub (local/summarizer_stub.py, in the LLM's
        # place) rates it an emergency: the worker tells the patient and pages on-call (domain.escalation).
        "name": "tracheostomy_emergency_en",
        "sender": "whatsapp:+15550100105",
        "profile": "Alex Kim",
        "messages": [
            "My son's trach tube came out an hour ago and we cannot get the spare one back in",
        ],
    },
    {
        "name": "rash_photo_en",
        "sender": "whatsapp:+15550100104",
        "profile": "Sam Lee",
        "messages": ["I have an itchy rash on my forearm since yesterday, photo attached"],
        "media": [
            ("https://api.twilio.com/2010-04-01/Accounts/ACfa57/Messages/MM01/Media/ME01", "image/jpeg")
        ],
    },
]


def conversation_events() -> list[tuple[str, dict]]:
    """(file name, event) for every sample message, in the order a patient would send them."""
    out = []
    for conv in SAMPLE_CONVERSATIONS:
        for i, text in enumerate(conv["messages"], start=1):
            media = conv.get("media") if i == 1 else None
            sid = message_sid(f"{conv['name']}:{i}")
            if media:
                sid = "MM" + sid[2:]
            fields = twilio_payload(
                sid=sid, sender=conv["sender"], body=text, profile_name=conv["profile"], media=media
            )
            out.append((f"webhook_{conv['name']}_{i}.json", signed_webhook_event(fields)))
    return out


def write_events(directory: Path) -> list[Path]:
    """(Re)writes events/: the sample messages, a forged one, and doctors' API requests."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    files = conversation_events()
    forged = json.loads(json.dumps(files[0][1]))
    forged["headers"]["X-Twilio-Signature"] = "bm90LWEtcmVhbC1zaWduYXR1cmU="
    forged["multiValueHeaders"]["X-Twilio-Signature"] = [forged["headers"]["X-Twilio-Signature"]]
    files.append(("webhook_forged_signature.json", forged))
    doctor = {
        "sub": "00000000-0000-4000-8000-00000000d0c1",
        "cognito:username": "dr.ada",
        "cognito:groups": "doctors",
    }
    files.append(("health.json", rest_event("GET", "/health")))
    files.append(
        (
            "report_unknown_summary.json",
            rest_event(
                "GET",
                "/summaries/0123456789abcdef0123456789abcdef/report",
                resource="/summaries/{summary_id}/report",
                path_parameters={"summary_id": "0123456789abcdef0123456789abcdef"},
                claims=doctor,
            ),
        )
    )
    for name, event in files:
        path = directory / name
        path.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written
