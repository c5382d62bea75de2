"""RabbitMQ users with the least permissions each client needs, kept through the management HTTP API.

Amazon MQ for RabbitMQ creates one administrator from CloudFormation; every other user is created "via the
RabbitMQ web console or by using the RabbitMQ management API" (AWS::AmazonMQ::Broker User). The custom
resource in functions/broker_users uses this module to give the webhook (publisher) and the worker (consumer)
their own users. Names follow adapters.rabbitmq.Topology for one job queue Q:

- publisher: publishes through the default exchange, and nothing else: it declares nothing (the worker does)
  and can read no queue, so a stolen webhook credential cannot consume patients' jobs (docs/decisions.md).
- consumer:  declares, consumes Q and Q.emergency, publishes retries and dead letters, reads Q.dead and the
  delay queues (erasure removes a patient's parked jobs); nothing outside Q's family.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from fasttriage.domain.errors import FastTriageError

Role = Literal["publisher", "consumer"]


class BrokerAdminError(FastTriageError):
    """The management API refused or did not answer; the message names the call, never a password."""


@dataclass(frozen=True)
class Permissions:
    configure: str
    write: str
    read: str


def permissions_for(role: Role, queue: str) -> Permissions:
    """Regular expressions over the names of Q's queues and exchanges (RabbitMQ matches whole names here)."""
    q = re.escape(queue)
    family = rf"{q}(\.(emergency|dead|dlx|delay\.[0-9.]+s))?"
    if role == "publisher":
        # basic.publish needs write on the exchange only; "^$" matches no resource name.
        return Permissions(configure="^$", write=r"^amq\.default$", read="^$")
    return Permissions(configure=rf"^{family}$", write=rf"^(amq\.default|{family})$", read=rf"^{family}$")


def management_url(amqp_endpoint: str) -> str:
    """amqps://b-1.mq.eu-central-1.amazonaws.com:5671 -> https://b-1.mq.eu-central-1.amazonaws.com (the web
    console and management API of an Amazon MQ broker answer on HTTPS, port 443, on the same host)."""
    host = urlsplit(amqp_endpoint).hostname
    if not host:
        raise BrokerAdminError(f"not a broker endpoint: {amqp_endpoint!r}")
    return f"https://{host}"


class RabbitAdmin:
    """A few calls of the RabbitMQ management API, as an administrator."""

    def __init__(self, base_url: str, username: str, password: str, *, timeout_s: float = 10.0) -> None:
        if not base_url.startswith(("https://", "http://")):  # http only for a local test node
            raise BrokerAdminError("the management API URL must be https://")
        self._base = base_url.rstrip("/")
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        self._timeout = timeout_s

    def _call(
        self, method: str, path: str, body: dict[str, str] | None = None, ok: tuple[int, ...] = ()
    ) -> int:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self._base + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers=self._headers,
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            if exc.code in ok:
                return exc.code
            raise BrokerAdminError(f"{method} {path.split('/')[2]} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise BrokerAdminError(f"{method} {path.split('/')[2]} failed: {type(exc).__name__}") from None

    def put_user(self, name: str, password: str) -> None:
        """Creates the user or sets its password; no tags: no management UI, no administration."""
        self._call("PUT", f"/api/users/{quote(name, safe='')}", {"password": password, "tags": ""})

    def set_permissions(self, vhost: str, name: str, permissions: Permissions) -> None:
        path = f"/api/permissions/{quote(vhost, safe='')}/{quote(name, safe='')}"
        self._call(
            "PUT",
            path,
            {"configure": permissions.configure, "write": permissions.write, "read": permissions.read},
        )

    def delete_user(self, name: str) -> None:
        self._call("DELETE", f"/api/users/{quote(name, safe='')}", ok=(404,))


@dataclass(frozen=True)
class BrokerUser:
    role: Role
    username: str
    password: str


def sync_users(
    admin: RabbitAdmin,
    users: list[BrokerUser],
    *,
    queue: str,
    vhost: str = "/",
    retired: list[str] | None = None,
) -> list[str]:
    """Creates or updates each user with its role's permissions; deletes `retired` users no longer wanted.
    Returns the usernames kept. Idempotent (CloudFormation may send the same request twice)."""
    for user in users:
        admin.put_user(user.username, user.password)
        admin.set_permissions(vhost, user.username, permissions_for(user.role, queue))
    kept = [u.username for u in users]
    for name in retired or []:
        if name not in kept:
            admin.delete_user(name)
    return kept
