#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time each and prints
# the executions reached. Any crasher that go test finds is written to the
# package's testdata/fuzz/<Target>/ and fails this script: commit it as a
# regression seed once fixed.
#
#   scripts/fuzz.sh [duration]     # default 10s per target; Nx runs N inputs instead
#
# A busy machine cannot fail it. Go's fuzz coordinator (go1.26 and older;
# golang/go#75804, fixed in go1.27) can report its own -fuzztime deadline
# as the target's failure: when the deadline fires, the context package
# closes the timed context's Done channel before it cancels the workers'
# child context, and if the coordinator wakes in between it does not
# recognise the deadline as its own stop signal. The run then ends in
# "--- FAIL: FuzzX (...)" with the single line "context deadline
# exceeded", no failing input, at the end of the fuzz time; the more the
# machine is loaded, the wider that window. Such a run fuzzed for its whole
# time and found nothing, so it counts as passed (and says so); any other
# failure, or a new file under testdata/fuzz/<Target>/, fails.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}

# deadlineOnly reports whether go test's output $2 for target $1 failed
# only with the coordinator's own deadline (see above).
deadlineOnly() {
  ! grep -q 'Failing input written to' <<<"$2" &&
    [ "$(awk -v t="--- FAIL: $1 (" '
      index($0, t) == 1 { infail = 1; next }
      infail && /^    / { print; next }
      { infail = 0 }' <<<"$2")" = "    context deadline exceeded" ]
}

status=0
while IFS= read -r line; do
  file=${line%%:*}
  target=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"${line#*:}")
  pkg=./$(dirname "${file#./}")
  corpus=$pkg/testdata/fuzz/$target
  before=$(ls -A "$corpus" 2>/dev/null || true)
  note=
  out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1) || {
    if deadlineOnly "$target" "$out" && [ "$(ls -A "$corpus" 2>/dev/null || true)" = "$before" ]; then
      note=" (go test reported its own fuzz-time deadline as a failure, golang/go#75804: no failing input, counted as passed)"
    else
      echo "$out"
      echo "FAIL fuzz $pkg $target"
      status=1
      continue
    fi
  }
  execs=$(grep -o 'execs: [0-9]*' <<<"$out" | tail -1 | awk '{print $2}')
  echo "ok   fuzz $pkg $target: ${execs:-?} executions in $fuzztime$note"
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | grep -v '/testdata/' | sed -E 's/^([^:]*):[0-9]+:/\1:/' | sort)
exit $status
