#!/usr/bin/env bash
# Flow control, measured: one learner and 1, 2 and 4 actor processes on this machine, through a private RabbitMQ node
# (its own port, data folder and Erlang cookie; nothing else is touched). For each fleet it prints rows sampled by the
# actors (their --record files), rows applied and refused (summary.json), the largest lag, and learner steps/s.
# Usage: benchmarks/distributed-flow.sh [STEPS] [ACTOR COUNTS…]     e.g. benchmarks/distributed-flow.sh 300 1 2 4
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-300}; shift || true
fleets=("${@:-1 2 4}"); fleets=(${fleets[@]})
dotnet build src/Delight.Cli -c Release -v q -nologo > /dev/null
delight=src/Delight.Cli/bin/Release/net10.0/Delight.Cli
server=/usr/lib/rabbitmq/bin/rabbitmq-server
[ -x "$server" ] || server=$(command -v rabbitmq-server) || { echo "rabbitmq-server is not installed: bash .ci/install-rabbitmq.sh" >&2; exit 2; }

work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); dist=$(free_port); epmd=$(free_port)
mkdir -p "$work/home"
printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$port" > "$work/rabbitmq.conf"
echo '[].' > "$work/enabled_plugins"
export HOME="$work/home" RABBITMQ_NODENAME="flow-$port@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port \
    RABBITMQ_DIST_PORT=$dist ERL_EPMD_PORT=$epmd ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE="$work/mnesia" \
    RABBITMQ_LOG_BASE="$work/log" RABBITMQ_LOGS=- RABBITMQ_CONFIG_FILE="$work/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$work/enabled_plugins" RABBITMQ_PID_FILE="$work/rabbit.pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
"$server" > "$work/broker.log" 2>&1 &
broker=$!
cleanup() { kill "$broker" 2> /dev/null || true; wait "$broker" 2> /dev/null || true; epmd -kill > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
uri="amqp://guest:guest@127.0.0.1:$port/"
for _ in $(seq 1 300); do (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.2; done
(exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null || { echo "the private broker did not start:" >&2; tail -20 "$work/broker.log" >&2; exit 1; }

echo "| actors | rows sampled | rows applied | refused | applied / sampled | max lag | learner steps/s |"
echo "|---|---|---|---|---|---|---|"
for n in "${fleets[@]}"; do
    run="flow-$n-$RANDOM"; out="$work/$run"
    "$delight" learner --broker "$uri" --run "$run" --out "$out" --steps "$steps" --quiet > "$work/$run.learner.log" 2>&1 &
    learner=$!
    actors=()
    for i in $(seq 1 "$n"); do
        "$delight" actor --broker "$uri" --run "$run" --seed "$i" --record "$work/$run.actor-$i.csv" > /dev/null 2>&1 &
        actors+=($!)
    done
    wait "$learner" || { cat "$work/$run.learner.log" >&2; exit 1; }
    for a in "${actors[@]}"; do wait "$a" || true; done
    sampled=$(cat "$work/$run".actor-*.csv | awk -F, '{ s += $6 } END { print s + 0 }')
    node -e '
const s = require(process.argv[1]), sampled = Number(process.argv[2]), n = process.argv[3];
const r = s.rows;
console.log(`| ${n} | ${sampled} | ${r.applied} | ${r.rejected} ${JSON.stringify(r.rejected_by_reason)} | ${(100 * r.applied / sampled).toFixed(1)} % | ${s.lag.max} | ${(s.steps / s.wall_seconds).toFixed(1)} |`);
' "$out/summary.json" "$sampled" "$n"
done
