#!/usr/bin/env bash
# The shell steps of the wsconform GitHub Action (action.yml), kept here so that the project's
# own tests run them (tests/e2e/test_action.py). Inputs come as INPUT_* variables; results go to
# $GITHUB_OUTPUT (status=N) and $GITHUB_STEP_SUMMARY.
#
#   steps.sh cache-key      key=... for the build cache (the action's source)
#   steps.sh conformance    run the cases against the server; never fails itself
#   steps.sh fuzz-live      fuzz the server live; never fails itself
#   steps.sh finish STATUS  fails the job when STATUS is not 0
set -uo pipefail

ACTION_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
OUTPUT_FILE="${GITHUB_OUTPUT:-/dev/null}"
SUMMARY_FILE="${GITHUB_STEP_SUMMARY:-/dev/null}"

say() { echo "wsconform-action: $*" >&2; }

install_python() {
    # A bare debian:bookworm container has no Python; run_suite.py installs everything else.
    command -v python3 > /dev/null && return
    say "installing python3 (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q > /dev/null && apt-get install -y -q python3 > /dev/null
    PYTHON=python3
}

cache_key() {
    local digest
    if git -C "$ACTION_DIR" rev-parse HEAD > /dev/null 2>&1; then
        digest=$(git -C "$ACTION_DIR" rev-parse HEAD)
    else
        digest=$(cd "$ACTION_DIR" && find CMakeLists.txt cases client harness server -type f \
                     -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-40)
    fi
    echo "key=wsconform-build-$(uname -m)-$digest" >> "$OUTPUT_FILE"
}

# A server command becomes an Autobahn fuzzingclient spec: run_suite.py starts it, waits for
# its port, restarts it after a crash and stops it at the end.
write_spec() {
    local spec=$1
    "$PYTHON" - "$spec" <<'PY'
import json, os, sys
split = lambda name: [p.strip() for p in os.environ.get(name, "").split(",") if p.strip()]
server = {"url": os.environ["INPUT_TARGET"], "command": os.environ["INPUT_SERVER_COMMAND"]}
if os.environ.get("INPUT_AGENT"):
    server["agent"] = os.environ["INPUT_AGENT"]
if os.environ.get("INPUT_HTTP2") == "true":
    server["http2"] = True
spec = {"servers": [server], "cases": split("INPUT_CASES") or ["*"],
        "exclude-cases": split("INPUT_EXCLUDE_CASES")}
json.dump(spec, open(sys.argv[1], "w"), indent=1)
PY
}

conformance() {
    install_python
    local args=(--out "${INPUT_OUT:-wsconform-report}")
    [ -n "${INPUT_EXPECT_FAILURES:-}" ] && args+=(--expect-failures "$INPUT_EXPECT_FAILURES")
    if [ -n "${INPUT_SERVER_COMMAND:-}" ]; then
        if [ -z "${INPUT_TARGET:-}" ]; then
            say "server-command needs target: the URL where the server listens"
            echo "status=2" >> "$OUTPUT_FILE"
            return 0
        fi
        local spec
        spec=$(mktemp --suffix=.json)
        write_spec "$spec"
        args+=(--spec "$spec")
    else
        [ -n "${INPUT_TARGET:-}" ] && args+=(--target "$INPUT_TARGET")
        [ -n "${INPUT_CASES:-}" ] && args+=(--cases "$INPUT_CASES")
        [ -n "${INPUT_EXCLUDE_CASES:-}" ] && args+=(--exclude-cases "$INPUT_EXCLUDE_CASES")
        [ -n "${INPUT_AGENT:-}" ] && args+=(--agent "$INPUT_AGENT")
        [ "${INPUT_HTTP2:-false}" = "true" ] && args+=(--http2)
    fi
    "$PYTHON" "$ACTION_DIR/run_suite.py" "${args[@]}"
    local status=$?
    echo "status=$status" >> "$OUTPUT_FILE"
    # run_suite.py wrote the summary of the cases itself ($GITHUB_STEP_SUMMARY).
    [ "$status" = 2 ] && echo "**wsconform could not run** (exit 2): see the step's log." \
        >> "$SUMMARY_FILE"
    return 0
}

fuzz_live() {
    install_python
    local out="${INPUT_OUT:-wsconform-report}"
    local args=(fuzz-live --out "$out" --seconds "${INPUT_SECONDS:-300}" --seed "${INPUT_SEED:-1}")
    [ -n "${INPUT_TARGET:-}" ] && args+=(--target "$INPUT_TARGET")
    [ -n "${INPUT_SERVER_COMMAND:-}" ] && args+=(--command "$INPUT_SERVER_COMMAND")
    [ "${INPUT_HTTP2:-false}" = "true" ] && args+=(--http2)
    "$PYTHON" "$ACTION_DIR/run_suite.py" "${args[@]}"
    local status=$?
    echo "status=$status" >> "$OUTPUT_FILE"
    local findings=()
    [ -d "$out" ] && mapfile -t findings < <(grep -l '"wsconform-livefuzz/1"' "$out"/*.json \
                                              2> /dev/null | sort)
    {
        echo "## wsconform fuzz-live"
        echo
        echo "${INPUT_SECONDS:-300} s, seed ${INPUT_SEED:-1}: exit $status," \
             "${#findings[@]} finding(s)."
        for f in "${findings[@]}"; do
            echo
            echo "- \`$(basename "$f")\`: download the artifact, then replay it locally with"
            echo "  \`build/release/harness/wsconform replay $(basename "$f") --target URL\`" \
                 "$([ "${INPUT_HTTP2:-false}" = "true" ] && echo "(with \`--http2\`)")"
        done
    } >> "$SUMMARY_FILE"
    return 0
}

case "${1:-}" in
    cache-key) cache_key ;;
    conformance) conformance ;;
    fuzz-live) fuzz_live ;;
    finish)
        status="${2:-2}"
        [ -z "$status" ] && status=2
        [ "$status" = 0 ] || say "the run's exit status is $status"
        exit "$status" ;;
    *) say "unknown step '${1:-}' (cache-key, conformance, fuzz-live, finish)"; exit 2 ;;
esac
