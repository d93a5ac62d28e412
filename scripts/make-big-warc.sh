#!/usr/bin/env bash
# Builds a large CC-NEWS-like WARC.gz (one gzip member per record) from the shared HTML
# pages, for the memory benchmark of `copydesk extract`. Never commit its output.
#   scripts/make-big-warc.sh [OUT] [BYTES]     (defaults: /tmp/big.warc.gz, 1 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/big.warc.gz}"
bytes="${2:-1000000000}"
shared="../shared/data"
dirs=()
for d in "$shared/extraction/scrapinghub/html" "$shared/dates/htmldate-mediacloud/html" "$shared"/pages/*/html; do
    [ -d "$d" ] && dirs+=("$d")
done
if [ ${#dirs[@]} -eq 0 ]; then
    echo "no HTML folders under $shared" >&2
    exit 1
fi
cargo run --release -q -p copydesk-read --example make_big_warc -- "$out" "$bytes" "${dirs[@]}"
