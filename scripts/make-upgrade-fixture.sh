#!/usr/bin/env bash
# Builds the upgrade fixtures of crates/xiaodian/tests/xiaodian/operations.rs: a small database
# created by the first schema (commit fa7a700, migrations 0001-0010) on SQLite and on PostgreSQL,
# dumped as SQL text to crates/xiaodian/tests/fixtures/upgrade/{sqlite,postgres}.sql.
#
# It checks that revision out in a temporary worktree, builds its binary (in target/upgrade-fixture,
# so the current build is left alone), and drives it: users, a shop with top-ups and a penalty, an
# enterprise account with a video and a comment batch, on a manual clock.
#
#   scripts/make-upgrade-fixture.sh
#   FIXTURE_BIN=path/to/xiaodian scripts/make-upgrade-fixture.sh   # a binary already built from fa7a700
#   FIXTURE_TARGET_DIR=target scripts/make-upgrade-fixture.sh       # reuse built dependencies
#
# Needs git, cargo, curl, python3, sqlite3, psql and pg_dump, and PostgreSQL at $FIXTURE_PG_URL
# (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail

rev=${FIXTURE_REV:-fa7a700}
pg_admin=${FIXTURE_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
root=$(git rev-parse --show-toplevel)
out="$root/crates/xiaodian/tests/fixtures/upgrade"
work=$(mktemp -d)
server_pid=
pg_db="xiaodian_fixture_$$"

cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    psql -X -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    git -C "$root" worktree remove --force "$work/src" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

git -C "$root" worktree add --detach "$work/src" "$rev" >/dev/null
bin=${FIXTURE_BIN:-}
if [ -z "$bin" ]; then
    target=${FIXTURE_TARGET_DIR:-$root/target/upgrade-fixture}
    cargo build --manifest-path "$work/src/Cargo.toml" --target-dir "$target" -p xiaodian
    bin="$target/debug/xiaodian"
fi
echo "fixture binary: $bin ($("$bin" --version)), revision $(git -C "$work/src" rev-parse --short HEAD)"

# The top-level field $1 of the JSON object on standard input.
field() {
    python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# Fills the database at URL $1 through the binary's CLI and HTTP API.
fill() {
    local url=$1 data="$work/data-$2"
    mkdir -p "$data"
    export XIAODIAN_DATA_DIR="$data" XIAODIAN_SECRET_KEY="$(printf 'ab%.0s' $(seq 32))"
    "$bin" migrate --db "$url" >/dev/null
    for spec in admin:admin: reviewer:reviewer: m1:merchant:一号商家 svc:service:; do
        IFS=: read -r name role merchant <<<"$spec"
        args=(user add --db "$url" --username "$name" --role "$role" --password-stdin)
        if [ -n "$merchant" ]; then args+=(--merchant "$merchant"); fi
        echo "$name-password-1" | "$bin" "${args[@]}" >/dev/null
    done
    "$bin" serve --db "$url" --listen 127.0.0.1:0 --clock manual=2026-06-01T10:00:00+08:00 >"$work/serve.out" 2>"$work/serve.err" &
    server_pid=$!
    local base=
    for _ in $(seq 600); do
        base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/serve.out" | head -n1)
        if [ -n "$base" ]; then break; fi
        sleep 0.1
    done
    if [ -z "$base" ]; then cat "$work/serve.err" >&2; echo "serve did not start" >&2; exit 1; fi
    token() {
        curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
            -d "{\"username\":\"$1\",\"password\":\"$1-password-1\"}" | field token
    }
    local m1 svc reviewer shop account video
    m1=$(token m1); svc=$(token svc); reviewer=$(token reviewer)
    post() { # token path body [idempotency key]
        local extra=()
        if [ -n "${4:-}" ]; then extra=(-H "Idempotency-Key: $4"); fi
        curl -fsS "$base$2" -H "authorization: Bearer $1" -H 'content-type: application/json' "${extra[@]}" -d "$3"
    }
    shop=$(post "$m1" /api/v1/shops '{"name":"升级一号店","entity_type":"enterprise","entity_name":"升级一号店有限公司","category":"food"}' | field id)
    for n in 1 2 3; do
        post "$svc" "/api/v1/shops/$shop/deposit/top-ups" "{\"amount_fen\":${n}00000,\"payment_ref\":\"fixture-pay-$n\"}" "fixture-top-up-$n" >/dev/null
    done
    post "$reviewer" "/api/v1/shops/$shop/violations" '{"kind":"late_shipment","severity":"minor","penalty_fen":5000,"beneficiary":"platform","evidence":"fixture"}' fixture-violation-1 >/dev/null
    account=$(post "$m1" /api/v1/enterprise-accounts '{"nickname":"升级企业号"}' | field id)
    video=$(post "$m1" "/api/v1/enterprise-accounts/$account/videos" '{"title":"升级测试视频"}' | field id)
    printf '%s\n' \
        "{\"video_id\":$video,\"comment_id\":\"fx1\",\"author_id\":\"u-1\",\"text\":\"多少钱？\",\"created_at\":\"2026-06-01T09:00:00+08:00\"}" \
        "{\"video_id\":$video,\"comment_id\":\"fx2\",\"author_id\":\"u-2\",\"text\":\"质量太差了，退货\",\"created_at\":\"2026-06-01T09:30:00+08:00\"}" |
        curl -fsS "$base/api/v1/comments:batch" -H "authorization: Bearer $svc" -H 'content-type: application/x-ndjson' --data-binary @- >/dev/null
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=
    "$bin" ledger verify --db "$url"
    "$bin" audit verify --db "$url"
}

mkdir -p "$out"
fill "sqlite:$work/fixture.db" sqlite
sqlite3 "$work/fixture.db" .dump >"$out/sqlite.sql"

psql -X -q "$pg_admin" -c "CREATE DATABASE $pg_db" >/dev/null
pg_url="${pg_admin%/*}/$pg_db"
fill "$pg_url" postgres
pg_dump --format=plain --no-owner --no-privileges "$pg_url" >"$out/postgres.sql"

echo "written: $out/sqlite.sql ($(wc -c <"$out/sqlite.sql") bytes), $out/postgres.sql ($(wc -c <"$out/postgres.sql") bytes)"
