#!/usr/bin/env bash
# Measures the memory of `xiaodian serve` while it receives one large video upload:
#   - RSS of the server before the upload (after one login, argon2id included);
#   - the highest RSS sampled every 20 ms during the upload, and VmHWM (the kernel's peak since
#     start) after it;
#   - the upload's wall time and throughput, and that the SHA-256 the server answers is the file's.
# The server runs on a fresh SQLite database in a temp dir, on loopback, with RUST_LOG=warn; the
# file is written to the temp dir first and sent by curl with its Content-Length (curl -T).
#
# Usage: scripts/bench-upload.sh
# Exit status: 0 when the peak RSS stays under 100 MB, 2 when it does not, 1 on any other failure.
# Environment:
#   CARGO_TARGET_DIR   where to build (default: target)
#   BENCH_PORT         port to listen on (default: 18081)
#   BENCH_UPLOAD_MIB   size of the upload in MiB (default: 1024)
set -euo pipefail

cd "$(dirname "$0")/.."

for tool in curl cargo sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is missing" >&2; exit 1; }
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
PORT="${BENCH_PORT:-18081}"
MIB="${BENCH_UPLOAD_MIB:-1024}"
PASSWORD="bench-password-2026"
BASE="http://127.0.0.1:${PORT}"

echo "==> building the release binary (CARGO_TARGET_DIR=${CARGO_TARGET_DIR})"
cargo build --release -p xiaodian
BIN="${CARGO_TARGET_DIR}/release/xiaodian"
[[ -x "$BIN" ]] || { echo "error: $BIN was not built" >&2; exit 1; }

if curl -s -o /dev/null --max-time 1 "${BASE}/healthz"; then
    echo "error: something already answers on ${BASE}; set BENCH_PORT to a free port" >&2
    exit 1
fi

WORK="$(mktemp -d -t xiaodian-upload.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

echo "==> writing a ${MIB} MiB MP4 file (an ftyp box, then zeros)"
FILE="${WORK}/video.mp4"
{ printf '\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomavc1'; head -c $((MIB * 1024 * 1024 - 24)) /dev/zero; } >"$FILE"
SHA256="$(sha256sum "$FILE" | cut -d' ' -f1)"

echo "==> starting the server"
echo "$PASSWORD" | "$BIN" user add --db "${WORK}/bench.db" --data-dir "${WORK}/data" \
    --username bench --role merchant --merchant 压测商家 --password-stdin >/dev/null
RUST_LOG=warn "$BIN" serve --db "${WORK}/bench.db" --data-dir "${WORK}/data" --listen "127.0.0.1:${PORT}" \
    >"${WORK}/server.out" 2>"${WORK}/server.err" &
SERVER_PID=$!
for _ in $(seq 1 200); do
    curl -s -o /dev/null --max-time 1 "${BASE}/healthz" && break
    sleep 0.05
done

json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
TOKEN="$(curl -sf -H 'content-type: application/json' -d "{\"username\":\"bench\",\"password\":\"${PASSWORD}\"}" \
    "${BASE}/api/v1/auth/login" | json_field token)"
AUTH="Authorization: Bearer ${TOKEN}"
ACCOUNT="$(curl -sf -H "$AUTH" -H 'content-type: application/json' -d '{"nickname":"压测企业号"}' \
    "${BASE}/api/v1/enterprise-accounts" | json_field id)"
VIDEO="$(curl -sf -H "$AUTH" -H 'content-type: application/json' -d '{"title":"1 GiB"}' \
    "${BASE}/api/v1/enterprise-accounts/${ACCOUNT}/videos" | json_field id)"

RSS_BEFORE="$(status_kb "$SERVER_PID" VmRSS)"
echo "==> uploading ${MIB} MiB to video ${VIDEO} (RSS before: ${RSS_BEFORE} kB)"
SAMPLES="${WORK}/rss.txt"
( while kill -0 "$SERVER_PID" 2>/dev/null; do status_kb "$SERVER_PID" VmRSS >>"$SAMPLES"; sleep 0.02; done ) &
SAMPLER=$!
STARTED="$(date +%s%N)"
ANSWER="$(curl -sf -H "$AUTH" -H 'content-type: video/mp4' -T "$FILE" "${BASE}/api/v1/videos/${VIDEO}/file")"
ENDED="$(date +%s%N)"
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true

PEAK_SAMPLED="$(sort -n "$SAMPLES" | tail -1)"
HWM="$(status_kb "$SERVER_PID" VmHWM)"
SECONDS_TAKEN="$(awk -v ns=$((ENDED - STARTED)) 'BEGIN { printf "%.2f", ns / 1e9 }')"
ANSWERED_SHA="$(echo "$ANSWER" | json_field sha256)"
echo
echo "upload:                ${MIB} MiB in ${SECONDS_TAKEN} s ($(awk -v m="$MIB" -v s="$SECONDS_TAKEN" 'BEGIN { printf "%.0f", m / s }') MiB/s)"
echo "RSS before:            $((RSS_BEFORE / 1000)) MB"
echo "RSS peak (sampled):    $((PEAK_SAMPLED / 1000)) MB over $(wc -l <"$SAMPLES") samples"
echo "VmHWM (peak since start): $((HWM / 1000)) MB"
echo "sha256 answered:       ${ANSWERED_SHA}"
echo "sha256 of the file:    ${SHA256}"
[[ "$ANSWERED_SHA" == "$SHA256" ]] || { echo "error: the stored file differs" >&2; exit 1; }
if ((HWM >= 100000)); then
    echo "target missed: peak RSS ${HWM} kB >= 100 MB" >&2
    exit 2
fi
echo "target met: peak RSS < 100 MB"
