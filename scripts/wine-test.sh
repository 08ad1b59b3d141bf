#!/usr/bin/env bash
# Runs the Go tests as Windows programs (GOOS=windows GOARCH=amd64) under
# Wine, on a Debian or Ubuntu machine:
#
#   scripts/wine-test.sh                 # go test ./...
#   scripts/wine-test.sh -short ./...    # any go test arguments
#   scripts/wine-test.sh -run TestStressRefresh -count=10 ./cmd/...
#
# Run it from anywhere; it works in the repository root. What it does:
#
#  1. Installs wine, wine64 and binutils-mingw-w64-x86-64 with apt-get
#     when they are missing (as root only; otherwise it says what to
#     install). About 110 MB.
#  2. Keeps a private Wine prefix in $PRUSA_WINE_DIR (default
#     ~/.cache/prusa-credential-helper-wine), created on first use; the
#     user's own ~/.wine is never touched. No display is used.
#  3. Wine before 9.0 lacks bcryptprimitives.dll!ProcessPrng, which every
#     Go program since Go 1.22 calls at start-up: it assembles a small DLL
#     into the prefix whose ProcessPrng calls BCryptGenRandom.
#  4. Wine before 9.0 answers STATUS_NOT_IMPLEMENTED to the POSIX-semantics
#     delete that os.RemoveAll tries first, and the standard library falls
#     back to the classic delete only for STATUS_NOT_SUPPORTED, so every
#     t.TempDir cleanup would fail. The test build gets a copy of that one
#     standard-library file with the other status added (go test -overlay);
#     the product's code is built as it is.
#  5. Starts one idle Windows process before the tests, so that the Wine
#     services that the first program of a prefix starts (services.exe,
#     winedevice.exe...) start under it, not under a test binary whose
#     output they would then hold open (go test would wait a minute and
#     fail the package with "Test I/O incomplete").
#  6. Runs go test with -exec wine, PRUSA_UNDER_WINE=1 (the tests skip what
#     Wine cannot do, naming the limit; see docs/windows.md) and without
#     PRUSA_REQUIRE_REAL_CLIENTS and PRUSA_REQUIRE_SECRET_SERVICE (there is
#     no git for Windows and no D-Bus in the prefix). When Wine failed to
#     start a program ("Internal error"), it runs the tests again, at most
#     twice; a real failure fails every time.
#  7. Fails when a test touched the prefix user's own profile: every test
#     must keep to its own %AppData%, %LOCALAPPDATA% and %USERPROFILE%.
#
# The exit status is go test's, or 1 when step 7 finds something. The
# Wine server and the idle process are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
say() { echo "wine-test: $*" >&2; }

# 1. Packages.
need=()
command -v wine >/dev/null || need+=(wine wine64)
command -v x86_64-w64-mingw32-as >/dev/null || need+=(binutils-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing: ${need[*]}; install them (apt-get install --no-install-recommends ${need[*]}) or run as root"
    exit 1
  fi
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
installed=$(date +%s)

# 2. The prefix.
state=${PRUSA_WINE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/prusa-credential-helper-wine}
mkdir -p "$state"
state=$(cd "$state" && pwd)
export WINEPREFIX="$state/prefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko download prompts, no window.
export WINEDLLOVERRIDES="mscoree=;mshtml="
unset DISPLAY WAYLAND_DISPLAY

anchor_pid=
cleanup() {
  if [ -n "$anchor_pid" ]; then
    kill "$anchor_pid" 2>/dev/null || true
  fi
  wineserver -k 2>/dev/null || true
}
trap cleanup EXIT

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  say "creating the Wine prefix"
  wineboot --init >/dev/null 2>&1
  wineserver --wait
fi
prefixed=$(date +%s)

# 3. ProcessPrng for Go's runtime. ProcessPrng(buf, len) returns TRUE;
# BCryptGenRandom(NULL, buf, len, BCRYPT_USE_SYSTEM_PREFERRED_RNG)
# returns an NTSTATUS, 0 on success. Windows x64 calling convention:
# arguments in rcx, rdx, r8, r9, 32 bytes of shadow space reserved by the
# caller, stack 16-byte aligned at the call.
dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if ! grep -q ProcessPrng "$dll" 2>/dev/null; then
  build="$state/prng"
  mkdir -p "$build"
  cat >"$build/prng.s" <<'EOF'
	.text
	.globl	ProcessPrng
ProcessPrng:
	subq	$40, %rsp
	movq	%rdx, %r8
	movq	%rcx, %rdx
	xorl	%ecx, %ecx
	movl	$2, %r9d
	callq	*__imp_BCryptGenRandom(%rip)
	addq	$40, %rsp
	testl	%eax, %eax
	setz	%al
	movzbl	%al, %eax
	retq

	.globl	PrngDllMain
PrngDllMain:
	movl	$1, %eax
	retq
EOF
  printf 'LIBRARY bcrypt.dll\nEXPORTS\n\tBCryptGenRandom\n' >"$build/bcrypt.def"
  printf 'LIBRARY bcryptprimitives.dll\nEXPORTS\n\tProcessPrng\n' >"$build/exports.def"
  x86_64-w64-mingw32-dlltool --input-def "$build/bcrypt.def" --output-lib "$build/libbcrypt.a"
  x86_64-w64-mingw32-as -o "$build/prng.o" "$build/prng.s"
  x86_64-w64-mingw32-ld --dll --entry PrngDllMain --subsystem windows \
    --dynamicbase --enable-reloc-section -o "$dll" \
    "$build/prng.o" "$build/exports.def" "$build/libbcrypt.a"
fi

# 4. The os.RemoveAll overlay, for this Go's standard library.
goroot=$(go env GOROOT)
orig="$goroot/src/internal/syscall/windows/at_windows.go"
patched="$state/overlay/at_windows.go"
mkdir -p "$state/overlay"
awk '
  /^\t\tSTATUS_NOT_SUPPORTED:/ && !done {
    $0 = "\t\tSTATUS_NOT_SUPPORTED, NTStatus(0xC0000002): // and STATUS_NOT_IMPLEMENTED, which Wine < 9 answers"
    done = 1
  }
  { print }
  END { if (!done) exit 3 }
' "$orig" >"$patched" || {
  say "$orig has changed: the os.RemoveAll fallback is not where this script expects it"
  exit 1
}
printf '{"Replace": {"%s": "%s"}}\n' "$orig" "$patched" >"$state/overlay/overlay.json"
prepared=$(date +%s)

# 5. The idle process.
mkdir -p "$state/idle"
cat >"$state/idle/main.go" <<'EOF'
// Command idle waits, so that Wine's services start under it.
package main

import "time"

func main() { time.Sleep(24 * time.Hour) }
EOF
GOOS=windows GOARCH=amd64 go build -o "$state/idle/idle.exe" "$state/idle/main.go"
wine "$state/idle/idle.exe" </dev/null >/dev/null 2>&1 &
anchor_pid=$!
# Wait until Wine is up (a program ran to its end).
wine cmd /c exit </dev/null >/dev/null 2>&1

# The profile of the prefix's user, which no test may write to.
profile_dirs=("$WINEPREFIX"/drive_c/users/*/AppData/Roaming "$WINEPREFIX"/drive_c/users/*/AppData/Local)
leaks() {
  find "${profile_dirs[@]}" -maxdepth 1 \( -iname 'prusa*' -o -iname '.docker' \) 2>/dev/null
  find "$WINEPREFIX"/drive_c/users/*/ -maxdepth 1 -iname '.docker' 2>/dev/null
}
if [ -n "$(leaks)" ]; then
  say "removing what an earlier run left in the prefix user's profile:"
  leaks | sed 's/^/  /' >&2
  leaks | xargs -r -d '\n' rm -rf
fi

# 6. The tests.
[ $# -gt 0 ] || set -- ./...
log="$state/go-test.log"
run_tests() {
  set +e
  env -u PRUSA_REQUIRE_REAL_CLIENTS -u PRUSA_REQUIRE_SECRET_SERVICE \
    PRUSA_UNDER_WINE=1 GOOS=windows GOARCH=amd64 CGO_ENABLED=0 \
    go test -overlay "$state/overlay/overlay.json" -exec wine "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
}
run_tests "$@"
# Wine's CreateProcess now and then fails with "Internal error" (seen a
# few times in thousands of process starts, mostly on a new prefix): the
# program never ran, so that is Wine's fault, not a test's. Run the tests
# again then, at most twice; a real failure fails every time.
for again in 1 2; do
  [ "$rc" -ne 0 ] && grep -q 'fork/exec .*: Internal error\.' "$log" || break
  say "Wine failed to start a process (CreateProcess: Internal error); running the tests again ($again of 2)"
  run_tests "$@"
done
tested=$(date +%s)

# 7. The profile check.
if [ -n "$(leaks)" ]; then
  say "a test wrote to the prefix user's own profile instead of its private one:"
  leaks | sed 's/^/  /' >&2
  [ $rc -ne 0 ] || rc=1
fi

say "packages $((installed - started))s, prefix $((prefixed - installed))s," \
  "stub and overlay $((prepared - prefixed))s, go test $((tested - prepared))s; exit $rc"
exit $rc
