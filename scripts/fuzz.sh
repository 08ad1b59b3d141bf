#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time each and prints
# the executions reached. Any crasher that go test finds is written to the
# package's testdata/fuzz/<Target>/ and fails this script: commit it as a
# regression seed once fixed.
#
#   scripts/fuzz.sh [duration]     # default 10s per target
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
status=0
while IFS= read -r line; do
  file=${line%%:*}
  target=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"${line#*:}")
  pkg=./$(dirname "${file#./}")
  out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1) || {
    echo "$out"
    echo "FAIL fuzz $pkg $target"
    status=1
    continue
  }
  execs=$(grep -o 'execs: [0-9]*' <<<"$out" | tail -1 | awk '{print $2}')
  echo "ok   fuzz $pkg $target: ${execs:-?} executions in $fuzztime"
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | grep -v '/testdata/' | sed -E 's/^([^:]*):[0-9]+:/\1:/' | sort)
exit $status
