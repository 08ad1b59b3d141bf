#!/usr/bin/env bash
# Times the credential helper against the Go floor (issue 6) and prints one
# markdown table: case, helper median, baseline median, ratio, target,
# pass/fail. Everything happens in a throw-away directory: the helper is
# built there by scripts/install.sh itself, with the baselines (an empty
# static Go program and one that links net/http, built with the same
# flags), the stores (a fresh and a stale session, nothing, 1 and 10,000
# generic credentials, git credential-store files) and a fake Prusa Account
# on 127.0.0.1. No request leaves the machine. The timing is done by
# scripts/benchharness (standard library only), which interleaves the runs
# of all cases so that machine noise cancels out in the ratios.
#
#   scripts/bench.sh              # the table of targets (about a minute on 2 cores)
#   scripts/bench.sh inittrace    # package init costs of a fresh get (GODEBUG=inittrace=1)
#   scripts/bench.sh variants     # build choices and each library's start-up cost
#   scripts/bench.sh sizes        # binary size by module and package
#   scripts/bench.sh all          # all four
#
# Environment:
#   BENCH_RUNS=N        kept runs per case (default 200, at least 30)
#   BENCH_STRICT=1      exit 1 when a target is missed
#   BENCH_DETAILS=1     also print each command's quartiles, CPU time and RSS
#   BENCH_CONCURRENCY=N callers of the concurrent stale get (default 64)
#   BENCH_TMPDIR=DIR    where the throw-away directory goes (default $TMPDIR or
#                       /tmp); the session file's fsync costs depend on its
#                       file system, so put it beside your real config
#                       directory to measure what you will get
#   BENCH_KEEP=1        keep the throw-away directory
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-run}
case $mode in
  run | inittrace | variants | sizes | all) ;;
  *) echo "usage: scripts/bench.sh [run|inittrace|variants|sizes|all]" >&2; exit 2 ;;
esac
runs=${BENCH_RUNS:-200}

work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/prusa-bench.XXXXXX")
cleanup() {
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# static builds a program the way install.sh builds the helper, without its
# build tags.
static() { CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' "$@"; }

echo "building the helper (scripts/install.sh), the baselines, the fake account and the harness" >&2
BINDIR="$work/bin" scripts/install.sh >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
static -o "$work/baselines/empty" ./scripts/benchharness/baseline/empty
static -o "$work/baselines/nethttp" ./scripts/benchharness/baseline/nethttp
go build -o "$work/fakeaccount" ./scripts/fakeaccount
go build -o "$work/benchharness" ./scripts/benchharness
static -o "$work/probe" ./scripts/benchharness/probe
harness() { "$work/benchharness" "$@"; }

status=0

if [ "$mode" = run ] || [ "$mode" = all ]; then
  args=(-bin "$work/bin" -baselines "$work/baselines" -fake "$work/fakeaccount" -probe "$work/probe" -work "$work/run" -runs "$runs")
  [ "${BENCH_STRICT:-0}" = 1 ] && args+=(-strict)
  [ "${BENCH_DETAILS:-0}" = 1 ] && args+=(-details)
  [ -n "${BENCH_CONCURRENCY:-}" ] && args+=(-concurrency "$BENCH_CONCURRENCY")
  harness run "${args[@]}" || status=$?
fi

if [ "$mode" = inittrace ] || [ "$mode" = all ]; then
  echo >&2 "tracing package inits"
  [ "$mode" = all ] && echo
  harness inittrace -runs "$(( runs < 50 ? runs : 50 ))" -baseline "$work/baselines/nethttp" \
    -fake "$work/fakeaccount" -work "$work/inittrace" "$work/bin/prusa-credential-helper"
fi

if [ "$mode" = variants ] || [ "$mode" = all ]; then
  echo >&2 "building the variants"
  v=$work/variants
  mkdir -p "$v"
  helper=./cmd/prusa-credential-helper
  deps=./scripts/benchharness/baseline/deps
  static -tags bench_all,urfave_cli_no_docs -o "$v/deps-all" $deps
  static -tags bench_all -o "$v/deps-all-docs" $deps
  for lib in html oauth2 docker flock term; do
    static -tags "bench_$lib" -o "$v/deps-$lib" $deps
  done
  static -tags bench_signal -o "$v/deps-signal" $deps
  static -tags bench_cli,urfave_cli_no_docs -o "$v/deps-cli" $deps
  static -tags bench_cli -o "$v/deps-cli-docs" $deps
  static -o "$v/helper-docs" $helper
  CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$v/helper-unstripped" $helper
  CGO_ENABLED=0 go build -o "$v/helper-go-install-static" $helper
  variants=(
    -program "net/http + all libraries (urfave_cli_no_docs)=$v/deps-all"
    -program "net/http + all libraries (with cli docs)=$v/deps-all-docs"
    -program "net/http + x/net/html=$v/deps-html"
    -program "net/http + x/oauth2=$v/deps-oauth2"
    -program "net/http + urfave/cli (urfave_cli_no_docs)=$v/deps-cli"
    -program "net/http + urfave/cli (with docs)=$v/deps-cli-docs"
    -program "net/http + docker-credential-helpers=$v/deps-docker"
    -program "net/http + gofrs/flock=$v/deps-flock"
    -program "net/http + x/term=$v/deps-term"
    -program "net/http + signal.NotifyContext at start-up=$v/deps-signal"
    -helper "helper: install.sh (static, urfave_cli_no_docs, -s -w)=$work/bin/prusa-credential-helper"
    -helper "helper: without urfave_cli_no_docs=$v/helper-docs"
    -helper "helper: without -s -w=$v/helper-unstripped"
    -helper "helper: CGO_ENABLED=0 go build (no tags, no flags)=$v/helper-go-install-static"
  )
  # The default go build on Linux links with cgo when a C compiler is here.
  if [ "$(go env CGO_ENABLED)" = 1 ] && command -v "$(go env CC)" >/dev/null 2>&1; then
    go build -o "$v/helper-cgo" $helper
    variants+=(-helper "helper: go build with cgo (the Linux default)=$v/helper-cgo")
  fi
  [ "$mode" = all ] && echo
  harness variants -runs "$runs" -baselines "$work/baselines" -fake "$work/fakeaccount" -probe "$work/probe" -work "$v/run" "${variants[@]}"
fi

if [ "$mode" = sizes ] || [ "$mode" = all ]; then
  # The install build without -s -w: the same code, with the symbols that
  # attribute its size.
  CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$work/helper-symbols" ./cmd/prusa-credential-helper
  [ "$mode" = all ] && echo
  harness sizes -top 25 "$work/helper-symbols"
fi

exit $status
