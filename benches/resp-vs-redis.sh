#!/usr/bin/env bash
# The Redis-protocol comparison of docs/benchmarks.md: `srdb serve` against
# redis-server, measured alternately in the same run with redis-benchmark
# (Debian's redis-tools and redis-server), and the medians printed as a
# markdown table.
#
#   benches/resp-vs-redis.sh [ROUNDS]      # default 3 rounds
#
# Servers, all on 127.0.0.1, data in a temporary directory removed at exit:
#   redis-server --save '' --appendonly no                       (vs --sync periodic)
#   redis-server --save '' --appendonly yes --appendfsync always (vs --sync always)
#   srdb serve --sync periodic --http-addr off
#   srdb serve --sync always --http-addr off
# srdb's other settings come from the environment as usual, e.g.
#   SRDB_EVENT_LOOPS=1 benches/resp-vs-redis.sh   # one event loop for both servers
set -euo pipefail

rounds=${1:-3}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install redis-server redis-tools)" >&2; exit 2; }
done

cargo build --release -p srdb-cli >&2
srdb=target/release/srdb
dir=$(mktemp -d)
pids=()
cleanup() {
  for port in 6520 6522; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/redis-periodic" "$dir/redis-always"
redis-server --port 6520 --save '' --appendonly no --dir "$dir/redis-periodic" --daemonize yes >/dev/null
redis-server --port 6522 --save '' --appendonly yes --appendfsync always --dir "$dir/redis-always" --daemonize yes >/dev/null
"$srdb" serve --data "$dir/srdb-periodic" --resp-addr 127.0.0.1:6521 --http-addr off --sync periodic >"$dir/periodic.log" 2>&1 &
pids+=($!)
"$srdb" serve --data "$dir/srdb-always" --resp-addr 127.0.0.1:6523 --http-addr off --sync always >"$dir/always.log" 2>&1 &
pids+=($!)
for port in 6520 6521 6522 6523; do
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

# One redis-benchmark run: prints "TEST ops/s" lines.
bench() {
  local port=$1; shift
  redis-benchmark -p "$port" -c 50 -d 100 -r 100000 -q "$@" 2>/dev/null |
    tr '\r' '\n' | awk -F'[: ]+' '/requests per second/ {print $1, $2}' | sort -u -k1,1
}

results="$dir/results"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq "$rounds"); do
  for port in 6520 6521; do
    bench "$port" -t set,get -P 1 -n 300000 | sed "s/^/$port P1 /" >>"$results"
    bench "$port" -t set,get -P 16 -n 1000000 | sed "s/^/$port P16 /" >>"$results"
  done
  for port in 6522 6523; do
    bench "$port" -t set -P 1 -n 50000 | sed "s/^/$port P1 /" >>"$results"
  done
  echo "round $round done, load average $(cut -d' ' -f1 /proc/loadavg)" >&2
done

python3 - "$results" <<'EOF'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    port, pipeline, test, rps = line.split()
    runs[(port, pipeline, test)].append(float(rps))
med = {k: statistics.median(v) for k, v in runs.items()}
rows = [
    ("SET, pipeline 1 (`--sync periodic` vs no AOF)", ("6520", "P1", "SET"), ("6521", "P1", "SET")),
    ("GET, pipeline 1", ("6520", "P1", "GET"), ("6521", "P1", "GET")),
    ("SET, pipeline 16", ("6520", "P16", "SET"), ("6521", "P16", "SET")),
    ("GET, pipeline 16", ("6520", "P16", "GET"), ("6521", "P16", "GET")),
    ("SET, pipeline 1, `--sync always` vs `appendfsync always`", ("6522", "P1", "SET"), ("6523", "P1", "SET")),
]
def k(x): return f"{x/1000:.1f}K ops/s"
print("| workload | redis-server | srdb serve | srdb / redis |")
print("| --- | ---: | ---: | ---: |")
for name, redis, srdb in rows:
    if redis in med and srdb in med:
        print(f"| {name} | {k(med[redis])} | {k(med[srdb])} | {100*med[srdb]/med[redis]:.0f}% |")
EOF
