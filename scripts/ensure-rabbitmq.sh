#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers on 127.0.0.1:5672: starts a stopped local one, installs it on a
# Debian machine that has none (root only). With --optional, a missing broker is reported, not fatal
# (the demo then uses its in-memory queue and says so).
set -u
optional=0
[ "${1:-}" = "--optional" ] && optional=1

answers() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if answers; then exit 0; fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "$optional" = 1 ]; then
    echo "RabbitMQ is not installed; continuing without it." >&2
    exit 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing rabbitmq-server (Debian package)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  else
    echo "ERROR: no RabbitMQ at 127.0.0.1:5672 and none installed. Install rabbitmq-server (Debian:" \
         "apt-get install -y rabbitmq-server) or set AMQP_URL to a broker." >&2
    exit 1
  fi
fi
echo "Starting RabbitMQ (rabbitmq-server -detached)..." >&2
rabbitmq-server -detached >/dev/null 2>&1 || true
for _ in $(seq 1 60); do
  if answers; then exit 0; fi
  sleep 1
done
if [ "$optional" = 1 ]; then
  echo "RabbitMQ did not start; continuing without it." >&2
  exit 0
fi
echo "ERROR: RabbitMQ did not answer on 127.0.0.1:5672 within 60 s (see /var/log/rabbitmq/)." >&2
exit 1
