#!/usr/bin/env bash
# The cross-process stress tests at a larger size than go test's default:
# many helper processes refreshing one single-use-token session at once,
# and helpers killed (SIGKILL, SIGTERM, SIGINT) while they write.
#
#   scripts/stress.sh [procs] [rounds] [kills]   # default 64 20 200
set -euo pipefail
cd "$(dirname "$0")/.."
procs=${1:-64}
rounds=${2:-20}
kills=${3:-200}
go test -count=1 -timeout 30m -v -run '^(TestStressRefresh|TestKillDuringWrites)$' ./cmd/prusa-credential-helper \
  -args -stress.procs="$procs" -stress.rounds="$rounds" -stress.kills="$kills" 2>&1 |
  grep -E '^(=== RUN|--- |\s+stress_test.go|ok|FAIL|PASS)'
