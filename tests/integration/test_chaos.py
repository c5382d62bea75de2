"""Issue 12's property, proven on every `make test`: a small chaos run (30 messages per scenario) on a
private RabbitMQ node loses nothing, duplicates nothing, answers every patient correctly and pages on-call for
every emergency/urgent message while the broker is stopped and started, MongoDB fails and the spool fails. The
shared broker is never touched."""

from __future__ import annotations

import subprocess

import pytest

pytestmark = pytest.mark.broker


def test_a_small_chaos_run_loses_nothing_duplicates_nothing_and_answers_every_patient_right(monkeypatch):
    from benchmarks import chaos

    for name in chaos.QUIET_ENVIRONMENT:  # restored after the test: later tests read these
        monkeypatch.setenv(name, chaos.QUIET_ENVIRONMENT[name])
    shared_before = subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True, text=True)
    with chaos.quiet(), chaos.PrivateBroker() as broker:
        assert broker.port != 5672 and broker.node.startswith("chaos-")
        outcomes = chaos.scenarios(broker, messages=30, patients=6)
    assert not broker.answers()  # the private node is gone

    assert [o.name for o in outcomes] == ["broker", "mongo", "spool"]
    for o in outcomes:
        assert (o.sent, o.lost, o.duplicated, o.wrong) == (30, 0, 0, 0), o
        assert o.stored + o.resend == o.sent, o
    assert outcomes[0].spooled_at_peak > 0  # the broker outage really went through the spool
    assert outcomes[2].resend > 0  # and nothing could store during the spool scenario's outage
    for o in outcomes:  # on-call heard of every emergency/urgent message, whatever was down
        assert o.emergencies > 0 and o.emergencies_paged == o.emergencies, o
    assert outcomes[0].paged_at_intake > 0  # the spooled ones by the webhook, before the broker was back
    assert outcomes[2].paged_at_intake > 0  # the ones stored nowhere could be paged only at intake
    line = chaos.summary_line(outcomes)
    emergencies = sum(o.emergencies for o in outcomes)
    assert line == (
        "chaos: 3 scenarios, 90 messages, lost 0, duplicated 0, wrong replies 0, "
        f"emergencies paged {emergencies}/{emergencies}"
    )
    assert shared_before.returncode == 0
    assert subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True).returncode == 0
