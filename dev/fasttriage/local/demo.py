"""`make demo`: the whole flow on embedded defaults, replaying events/ as Twilio would send them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

from fasttriage.adapters.twilio_webhook import FormParams, sign
from fasttriage.domain.masking import mask_name, mask_phone
from fasttriage.local.constants import LOCAL_AUTH_TOKEN, LOCAL_DEV_PASSWORD
from fasttriage.local.events import fields_of, load_event
from fasttriage.local.stack import LocalStack, free_port
from fasttriage.observability import logger


def post_signed(base_url: str, fields: list[tuple[str, str]]) -> requests.Response:
    """POSTs a Twilio form the way Twilio does: form-encoded, signed for the URL it calls."""
    url = f"{base_url}/webhook/twilio"
    return requests.post(
        url,
        data=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(url, FormParams(fields), LOCAL_AUTH_TOKEN),
            "User-Agent": "TwilioProxy/1.1",
        },
        timeout=15,
    )


def twiml_text(twiml: str) -> str:
    """The text of a TwiML <Message>, on one line."""
    from xml.etree import ElementTree

    message = ElementTree.fromstring(twiml).find("Message")  # noqa: S314 - our own handler's TwiML
    return " ".join((message.text or "").split()) if message is not None else ""


def sign_in(base_url: str, username: str = "dr.ada", group: str = "doctors") -> str:
    answer = requests.post(
        f"{base_url}/dev/sign-in",
        json={"username": username, "password": LOCAL_DEV_PASSWORD, "group": group},
        timeout=5,
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def wait_for_cases(stack: LocalStack, expected: dict[str, int], timeout_s: float) -> dict[str, str]:
    """{first message sid: summary_id} once every case holds all of its messages."""
    repository = stack.runner.repository
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = {}
        for sid, count in expected.items():
            case_id = repository.case_of_message(sid)
            record = repository.get(case_id) if case_id else None
            if record is not None and record.version >= count:
                done[sid] = case_id
        if len(done) == len(expected):
            return done
        time.sleep(0.2)
    raise TimeoutError(f"only {len(done)} of {len(expected)} cases were summarized in {timeout_s:.0f}s")


def sample_events(events_dir: Path) -> list[Path]:
    """The signed sample messages of events/, in the order a patient would send them."""
    return sorted(p for p in events_dir.glob("webhook_*.json") if "forged" not in p.name)


@dataclass
class Replayed:
    counts: dict[str, int] = field(default_factory=dict)  # each patient's first MessageSid -> messages sent
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (masked number, masked profile)
    failures: int = 0


def replay(
    base_url: str,
    files: list[Path],
    on_answer: Callable[[Path, requests.Response], None] | None = None,
) -> Replayed:
    """Posts each event's Twilio form to the stack as Twilio would; counts the messages per patient."""
    out, first_of = Replayed(), dict[str, str]()
    for path in files:
        fields = fields_of(load_event(path))
        form = FormParams(fields)
        answer = post_signed(base_url, fields)
        if on_answer is not None:
            on_answer(path, answer)
        if answer.status_code != 200:
            out.failures += 1
            continue
        first = first_of.setdefault(form["From"], form["MessageSid"])
        out.counts[first] = out.counts.get(first, 0) + 1
        out.labels[first] = (mask_phone(form["From"]), mask_name(form.get("ProfileName")) or "-")
    return out


def print_escalations(stack: LocalStack, case_ids: Iterable[str], out_dir: Path, timeout_s: float) -> None:
    """Writes out/pages.jsonl (every page the local notifier received) and out/outbound.jsonl (every message the
    worker sent a patient), once every emergency/urgent case has its page, and prints both."""
    from fasttriage.domain.escalation import LEVELS
    from fasttriage.local.notifier import outbound_rows, write_jsonl

    repository, notifier = stack.runner.repository, stack.escalation.notifier
    urgent = {sid for sid in case_ids if (r := repository.get(sid)) is not None and r.urgency in LEVELS}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not urgent <= {p["summary_id"] for p in notifier.received}:
        time.sleep(0.1)
    pages = [
        {k: page[k] for k in ("summary_id", "urgency", "reason", "target", "time", "red_flags", "link")}
        for page in notifier.received
    ]
    sent = outbound_rows(stack.db)
    write_jsonl(out_dir / "pages.jsonl", pages)
    write_jsonl(out_dir / "outbound.jsonl", sent)
    print(f"Pages to on-call clinicians ({out_dir / 'pages.jsonl'}):")
    for page in pages:
        print(f"  {page['time'][11:19]}  {page['urgency']:<9}  {page['summary_id']}  {page['reason']}")
    print(f"Messages the worker sent patients ({out_dir / 'outbound.jsonl'}):")
    for row in sent:
        print(
            f"  {(row['time'] or '')[11:19]}  {row['urgency'] or '-':<9}  {row['summary_id']}  {row['text'][:60]}..."
        )
    if not pages and not sent:
        print("  (none)")


def run_demo(events_dir: Path, out_dir: Path, timeout_s: float = 120.0, port: int | None = None) -> int:
    logger.setLevel("WARNING")
    stack = LocalStack(port=port or free_port(), sweep_interval_s=None).start()
    try:
        print(f"FastTriage local stack at {stack.gateway.url}")
        print(f"  queue: {stack.queue_description}")
        print(
            "  S3: moto server, Mongo: mongomock, LLM: "
            + (
                "watsonx"
                if stack.settings.watsonx_api_key
                else "local keyword stub in the LLM's place (no watsonx credentials; local/summarizer_stub.py)"
            )
        )
        files = sample_events(events_dir)
        if not files:
            print(f"no webhook_*.json events in {events_dir}")
            return 1

        def show(path: Path, answer: requests.Response) -> None:
            print(f"  sent {path.name}: HTTP {answer.status_code}, reply: {twiml_text(answer.text)[:110]}")

        sent = replay(stack.gateway.url, files, on_answer=show)
        if sent.failures:
            return 1
        counts, labels = sent.counts, sent.labels
        cases = wait_for_cases(stack, counts, timeout_s)
        token = sign_in(stack.gateway.url)
        out_dir.mkdir(parents=True, exist_ok=True)
        rows, failures = [], 0
        for first, case_id in cases.items():
            record = stack.runner.repository.get(case_id)
            link = requests.get(
                f"{stack.gateway.url}/summaries/{case_id}/report",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            target = out_dir / f"{case_id}.pdf"
            ok = False
            if link.status_code == 200:
                pdf = requests.get(link.json()["url"], timeout=10)
                ok = pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
                if ok:
                    target.write_bytes(pdf.content)
            failures += 0 if ok else 1
            patient, profile = labels[first]
            rows.append(
                (
                    f"{patient} ({profile})",
                    record.urgency.value if record else "?",
                    case_id,
                    str(target) if ok else f"FAILED (HTTP {link.status_code})",
                )
            )
        rows.sort(key=lambda r: ["emergency", "urgent", "soon", "routine", "self_care"].index(r[1]))
        header = ("patient", "urgency", "case id", "PDF")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
        print()
        for row in [header, *rows]:
            print("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)))
        print()
        print_escalations(stack, cases.values(), out_dir, timeout_s=10)
        print()
        print("Doctor console: run `make serve`, then open http://127.0.0.1:3000/console")
        print(f"  dev sign-in: any user name, password '{LOCAL_DEV_PASSWORD}' (local stack only)")
        return 0 if failures == 0 and len(rows) == len(counts) else 1
    finally:
        stack.stop()
