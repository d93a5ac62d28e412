#!/usr/bin/env bash
# Load benchmark of `copydesk serve`: 100 concurrent connections on GET /api/articles/{id}
# (random ids) and on GET /api/search (random words), with wrk (Debian's `wrk`).
#   scripts/bench-serve.sh STORE_DIR CORPUS.jsonl [DURATION=30s] [CONNECTIONS=100]
# The corpus is the one the store was built from: ids and query words are drawn from it.
set -euo pipefail
store=${1:?store dir}; corpus=${2:?corpus jsonl}; duration=${3:-30s}; conns=${4:-100}
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d /tmp/bench-serve.XXXXXX)
python3 - "$corpus" "$work" <<'PY'
import json, random, re, sys, urllib.parse
corpus, work = sys.argv[1], sys.argv[2]
rng = random.Random(7)
ids, words = [], {}
for line in open(corpus, encoding="utf-8"):
    a = json.loads(line)
    ids.append(a["id"])
    if len(ids) <= 200 or rng.random() < 0.02:
        for w in re.findall(r"[A-Za-z]{4,}", a.get("text", ""))[:50]:
            words[w.lower()] = words.get(w.lower(), 0) + 1
with open(f"{work}/ids.txt", "w") as f:
    for i in rng.sample(ids, min(20000, len(ids))):
        f.write(urllib.parse.quote(i, safe="") + "\n")
# Words of middling frequency: common enough to match, rare enough not to match everything.
ranked = sorted(words, key=words.get, reverse=True)
mid = ranked[len(ranked) // 50 : len(ranked) // 5][:2000]
with open(f"{work}/words.txt", "w") as f:
    for w in mid:
        f.write(urllib.parse.quote(w) + "\n")
print(f"{len(ids)} ids in the corpus; {min(20000, len(ids))} sampled; {len(mid)} query words", file=sys.stderr)
PY
port=$((20000 + RANDOM % 20000))
target/release/copydesk serve --store "$store" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1500); do
    grep -q serving "$work/serve.log" 2>/dev/null && break
    sleep 0.2
done
cat "$work/serve.log"
# CPU seconds the server used (user + system), to tell its cost from the machine's load.
cpu() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$server/stat"; }
echo "== GET /api/articles/{id}: $conns connections, $duration"
c0=$(cpu)
IDS_FILE="$work/ids.txt" wrk -t2 -c"$conns" -d"$duration" --latency -s crates/serve/benches/load/article.lua "http://127.0.0.1:$port"
echo "server CPU: $(awk -v a="$(cpu)" -v b="$c0" "BEGIN { print a - b }") s"
echo "== GET /api/search?q=WORD: $conns connections, $duration"
c0=$(cpu)
WORDS_FILE="$work/words.txt" wrk -t2 -c"$conns" -d"$duration" --latency -s crates/serve/benches/load/search.lua "http://127.0.0.1:$port"
echo "server CPU: $(awk -v a="$(cpu)" -v b="$c0" "BEGIN { print a - b }") s"
echo "== server: peak memory"
grep VmHWM "/proc/$server/status" || true
