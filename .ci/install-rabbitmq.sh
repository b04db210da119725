#!/usr/bin/env bash
# Installs rabbitmq-server for the broker tests (src/Delight.Test/Distributed). Idempotent.
# The tests start their own private node (own node name, loopback port, data folder, epmd port), so they need only
# the binaries. Debian's package may start and enable a system broker on 5672; it would not collide with the tests,
# but it is a second Erlang VM on a small CI machine, so we stop and disable it.
set -euo pipefail

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && ! command -v rabbitmq-server > /dev/null; then
    sudo_if_needed apt-get update
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server
fi

# Only act on a broker that is actually running: `service … stop` on a stopped one still starts an epmd daemon.
if command -v systemctl > /dev/null && systemctl is-system-running > /dev/null 2>&1; then
    sudo_if_needed systemctl disable --now rabbitmq-server > /dev/null 2>&1 || true
elif pgrep -u rabbitmq -f beam.smp > /dev/null 2>&1; then
    sudo_if_needed service rabbitmq-server stop > /dev/null 2>&1 || true
fi

echo "rabbitmq-server: $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo installed)"
