"""A private RabbitMQ node of this test run, with the management plugin, on free ports (never the shared
broker at 5672): its own node name, data, logs, config and enabled-plugins file under a temporary directory.
Stopped (only this node) when the test module ends."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from base64 import b64encode
from pathlib import Path

from fasttriage.local.stack import free_port


class PrivateRabbit:
    def __init__(self, base: Path) -> None:
        self.name = f"ft13-{uuid.uuid4().hex[:6]}@localhost"
        self.amqp_port, self.dist_port, self.http_port = free_port(), free_port(), free_port()
        self.base = base
        (base / "mnesia").mkdir(parents=True)
        (base / "log").mkdir()
        (base / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = {self.amqp_port}\n"
            f"management.tcp.port = {self.http_port}\n"
            "management.tcp.ip = 127.0.0.1\n"
        )
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
            "RABBITMQ_PID_FILE": str(base / "rabbit.pid"),
            "RABBITMQ_FEATURE_FLAGS_FILE": str(base / "feature_flags"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": str(base / "plugins-expand"),
            "RABBITMQ_QUORUM_DIR": str(base / "quorum"),
            "RABBITMQ_STREAM_DIR": str(base / "stream"),
            "ERL_CRASH_DUMP": str(base / "erl_crash.dump"),
        }
        self.process: subprocess.Popen[bytes] | None = None
        # The packaged rabbitmq-server drops to the `rabbitmq` user when started as root: let it write here.
        for path in [base, *base.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def amqp_url(self, user: str, password: str) -> str:
        return f"amqp://{user}:{password}@127.0.0.1:{self.amqp_port}/%2F"

    def start(self, timeout_s: float = 90.0) -> None:
        log = (self.base / "server.out").open("wb")
        self.process = subprocess.Popen(
            ["rabbitmq-server"], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"private RabbitMQ exited: {(self.base / 'server.out').read_text()[-2000:]}"
                )
            if self.api("GET", "/api/overview", ("guest", "guest"))[0] == 200:
                return
            time.sleep(0.5)
        raise RuntimeError("private RabbitMQ did not answer on its management port in time")

    def api(self, method: str, path: str, auth: tuple[str, str]) -> tuple[int, object]:
        token = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request = urllib.request.Request(
            self.http + path, method=method, headers={"Authorization": f"Basic {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except (urllib.error.URLError, OSError):
            return 0, None

    def stop(self) -> None:
        if self.process is None:
            return
        subprocess.run(
            ["rabbitmqctl", "-n", self.name, "stop"], env=self.env, capture_output=True, timeout=60
        )
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()  # our own node only
            self.process.wait(timeout=10)
