#!/usr/bin/env bash
# The whole test suite in the three runtimes, and the lab page (what `npm test` runs):
#   1. node     vitest in Node; WebGPU from the `webgpu` npm package (Dawn) on SwiftShader
#   2. deno     the same vitest suite under Deno 2; WebGPU built in (Mesa lavapipe on a machine with no GPU)
#   3. browser  the WebGPU conformance suite (tests/browser/) in headless Chromium (SwiftShader)
#   4. lab      the lab page (src/lab) in headless Chromium: trains from its URL on WebGPU and on the CPU
# Every step runs even when an earlier one failed; the last line is a plain summary and the exit
# status is non-zero when any step failed.
#
#   npm test                          all three
#   npm test -- tests/core            arguments go to vitest (node and deno steps)
#   WEBGAN_TEST_STEPS="node deno" npm test
#
# Environment:
#   CI=true               a missing WebGPU adapter fails (tests/helpers/backends.ts), it is not skipped
#   VK_ICD_FILENAMES      Vulkan driver for the node step; default: Chromium's SwiftShader ICD when it
#                         exists (Dawn refuses Mesa 22.3 lavapipe). Not passed to deno, which uses lavapipe
#                         or the real GPU. Set it yourself (or to '') on a machine with a GPU.
#   XDG_RUNTIME_DIR       made (a private temp dir) when unset, to silence a Deno warning
#   WEBGAN_STEP_TIMEOUT   seconds per step before it is killed (default 1500: three steps fit in CI's 90 min)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$PWD/node_modules/.bin"
STEPS="${WEBGAN_TEST_STEPS:-node deno browser lab}"
STEP_TIMEOUT="${WEBGAN_STEP_TIMEOUT:-1500}"
SWIFTSHADER_ICD=/usr/lib/chromium/vk_swiftshader_icd.json

if [[ -z "${XDG_RUNTIME_DIR:-}" || ! -w "${XDG_RUNTIME_DIR:-/nonexistent}" ]]; then
  XDG_RUNTIME_DIR="$(mktemp -d -t webgan-xdg.XXXXXX)"
  chmod 700 "$XDG_RUNTIME_DIR"
  export XDG_RUNTIME_DIR
fi
if [[ -z "${VK_ICD_FILENAMES+set}" && -f "$SWIFTSHADER_ICD" ]]; then
  NODE_ICD="$SWIFTSHADER_ICD"
else
  NODE_ICD="${VK_ICD_FILENAMES:-}"
fi

LOGDIR="$(mktemp -d -t webgan-test.XXXXXX)"
summary=()
failed=0

# vitest's own count line ("Tests  3 failed | 120 passed (123)"), colour codes removed
vitest_counts() {
  local counts crash
  counts="$(sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '^\s+Tests\s' | tail -1 | sed -E 's/^\s+Tests\s+//; s/\s+$//' || true)"
  crash="$(grep -aoE 'Segmentation fault|futex facility[^.]*|Assertion [^ ]+ failed|ERR_IPC_CHANNEL_CLOSED|Worker exited unexpectedly' "$1" | sort -u | paste -sd, - || true)"
  echo "${counts:-no vitest count line}${crash:+; worker crash: $crash}"
}

# step NAME CMD...: run with a time limit, tee the output, record the result
step() {
  local name="$1"; shift
  local log="$LOGDIR/$name.log" rc=0 t0=$SECONDS
  echo
  echo "=== test-all: $name: $*"
  timeout --kill-after=30 "$STEP_TIMEOUT" "$@" 2>&1 | tee "$log" || rc=$?
  local dt=$((SECONDS - t0)) detail
  if [[ "$name" == browser || "$name" == lab ]]; then
    detail="$(grep -E "^$name \(chromium" "$log" | tail -1 | sed -E 's/^[a-z]+ \([^)]*\): //; s/^\s+//' || true)"
  else
    detail="$(vitest_counts "$log")"
  fi
  [[ $rc == 124 || $rc == 137 ]] && detail="timed out after ${STEP_TIMEOUT}s; $detail"
  if [[ $rc == 0 ]]; then
    summary+=("$name ok (${dt}s${detail:+; $detail})")
  else
    summary+=("$name FAILED rc=$rc (${dt}s${detail:+; $detail})")
    failed=$((failed + 1))
  fi
}

for s in $STEPS; do
  case "$s" in
    node) step node env VK_ICD_FILENAMES="$NODE_ICD" "$BIN/vitest" run "$@" ;;
    deno) step deno env -u VK_ICD_FILENAMES "$BIN/deno" run -A npm:vitest run "$@" ;;
    browser) step browser node scripts/browser-test.mjs ;;
    lab) step lab "$BIN/vite-node" scripts/lab-test.ts ;;
    *) echo "test-all: unknown step '$s' (node, deno, browser, lab)" >&2; exit 2 ;;
  esac
done

echo
echo "=== test-all: logs in $LOGDIR"
n=$(wc -w <<<"$STEPS")
line="test-all: $((n - failed)) of $n steps passed"
sep=": "
for item in "${summary[@]}"; do line+="$sep$item"; sep=" | "; done
echo "$line"
# one plain total over the steps: vitest's "Tests  N failed | M passed" lines and the browser's "N passed, M failed"
tp=0; tf=0
for f in "$LOGDIR"/*.log; do
  clean="$(sed 's/\x1b\[[0-9;]*m//g' "$f")"
  t="$(grep -E '^\s+Tests\s' <<<"$clean" | tail -1 || true)"
  [[ -z "$t" ]] && t="$(grep -E '^(browser|lab) \(' <<<"$clean" | tail -1 || true)"
  p="$(grep -oE '[0-9]+ passed' <<<"$t" | head -1 | cut -d' ' -f1 || true)"
  x="$(grep -oE '[0-9]+ failed' <<<"$t" | head -1 | cut -d' ' -f1 || true)"
  tp=$((tp + ${p:-0})); tf=$((tf + ${x:-0}))
done
((failed > 0 && tf == 0)) && tf=$failed  # a step that died without a count still counts as a failure
echo "tests: $tp passed, $tf failed"
[[ $failed == 0 ]]
