// Package scripts holds the tests of the shell scripts in this
// directory. Each runs a script with a stand-in go command first on PATH,
// so that what is tested is the script's own logic, in milliseconds.
package scripts

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// runScript runs the script name of this directory under bash with the
// stand-in go command stubGo and the extra environment env, and returns
// its stdout and stderr and whether it exited 0.
func runScript(t *testing.T, name, stubGo string, env ...string) (string, bool) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	stubs := t.TempDir()
	if err := os.WriteFile(filepath.Join(stubs, "go"), []byte(stubGo), 0o755); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, script)
	cmd.Env = append(os.Environ(), "PATH="+stubs+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), err == nil
}

// benchGo stands in for the go command of bench.sh: "go build ... -o OUT
// PKG" writes OUT, a program that exits 0; for the harness, one that
// prints a table with a FAIL row and exits 1 only when given -strict, as
// benchharness's exitCode does (TestExitCode there).
const benchGo = `#!/usr/bin/env bash
out= pkg=
while [ $# -gt 0 ]; do
  case $1 in -o) out=$2; shift ;; *) pkg=$1 ;; esac
  shift
done
[ -n "$out" ] || exit 0
mkdir -p "$(dirname "$out")"
case $pkg in
  ./scripts/benchharness)
    cat >"$out" <<'HARNESS'
#!/bin/sh
echo '| case | helper median | baseline median | ratio | target | result |'
echo '| fresh get | 3 ms | 2 ms | 1.50× | ≤ 1.15× | **FAIL** |'
for a in "$@"; do [ "$a" = -strict ] && exit 1; done
exit 0
HARNESS
    ;;
  *) printf '#!/bin/sh\nexit 0\n' >"$out" ;;
esac
chmod +x "$out"
`

// TestBenchStrict: bench.sh shows a table with a FAIL row and exits 0,
// and exits non-zero with BENCH_STRICT=1.
func TestBenchStrict(t *testing.T) {
	for _, strict := range []string{"", "1"} {
		out, ok := runScript(t, "bench.sh", benchGo, "BENCH_STRICT="+strict, "BENCH_TMPDIR="+t.TempDir())
		if want := strict == ""; ok != want {
			t.Errorf("BENCH_STRICT=%q bench.sh with a FAIL row: exit 0 = %v, want %v; output:\n%s", strict, ok, want, out)
		}
		if !strings.Contains(out, "**FAIL**") {
			t.Errorf("BENCH_STRICT=%q bench.sh printed %q, want the table", strict, out)
		}
	}
}

// fuzzGo stands in for the go command of fuzz.sh: "go test -fuzz ^X$ ..."
// prints what go test prints for target X in the case FUZZ_CASE and
// exits accordingly.
const fuzzGo = `#!/usr/bin/env bash
target=
while [ $# -gt 0 ]; do
  case $1 in -fuzz) target=${2#^}; target=${target%$}; shift ;; esac
  shift
done
case $FUZZ_CASE in
  ok)
    echo "fuzz: elapsed: 3s, execs: 1234 (411/sec), new interesting: 0 (total: 5)"
    echo PASS
    exit 0 ;;
  deadline)
    # golang/go#75804: the coordinator's own deadline, no failing input.
    echo "fuzz: elapsed: 60s, execs: 1234 (0/sec), new interesting: 0 (total: 5)"
    echo "--- FAIL: $target (60.01s)"
    echo "    context deadline exceeded"
    echo FAIL
    echo "exit status 1"
    echo "FAIL	example.com/pkg	60.03s" ;;
  crasher)
    echo "fuzz: elapsed: 2s, execs: 99 (49/sec), new interesting: 0 (total: 5)"
    echo "--- FAIL: $target (2.01s)"
    echo "    --- FAIL: $target (0.00s)"
    echo "        x_test.go:10: context deadline exceeded"
    echo "    Failing input written to testdata/fuzz/$target/0123456789abcdef"
    echo "    To re-run:"
    echo "    go test -run=$target/0123456789abcdef"
    echo FAIL ;;
  deadline-and-more)
    echo "--- FAIL: $target (60.01s)"
    echo "    context deadline exceeded"
    echo "    fuzzing process hung or terminated unexpectedly: exit status 2"
    echo FAIL ;;
esac
exit 1
`

// TestFuzzDeadline: fuzz.sh counts a run that go test failed only with
// its own fuzz-time deadline (golang/go#75804) as passed, and fails on
// anything else.
func TestFuzzDeadline(t *testing.T) {
	tests := []struct {
		fuzzCase string
		ok       bool
		want     string
	}{
		{"ok", true, "1234 executions in 10s\n"},
		{"deadline", true, "1234 executions in 10s (go test reported its own fuzz-time deadline"},
		{"crasher", false, "Failing input written to"},
		{"deadline-and-more", false, "fuzzing process hung"},
	}
	for _, tt := range tests {
		t.Run(tt.fuzzCase, func(t *testing.T) {
			out, ok := runScript(t, "fuzz.sh", fuzzGo, "FUZZ_CASE="+tt.fuzzCase)
			if ok != tt.ok || !strings.Contains(out, tt.want) {
				t.Errorf("fuzz.sh, go test %s: exit 0 = %v, want %v; want %q in the output:\n%s", tt.fuzzCase, ok, tt.ok, tt.want, out)
			}
		})
	}
}

// demoTools skips the test when a program demo.sh needs is missing,
// unless PRUSA_REQUIRE_REAL_CLIENTS=1 (set by CI) makes that a failure.
func demoTools(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("demo.sh is a Unix shell script")
	}
	for _, name := range []string{"bash", "go", "git", "curl"} {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("PRUSA_REQUIRE_REAL_CLIENTS") == "1" {
				t.Fatalf("%s is required (PRUSA_REQUIRE_REAL_CLIENTS=1) but missing: %v", name, err)
			}
			t.Skipf("demo.sh needs %s: %v", name, err)
		}
	}
}

// runDemo runs demo.sh with args, its output going to a pipe (no
// terminal) and NO_COLOR unset, and returns the output; it fails the
// test when the demo fails.
func runDemo(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"demo.sh"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NO_COLOR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh %s: %v; output:\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// reachable reports whether the fake account at url answers.
func reachable(url string) bool {
	resp, err := http.Get(url + "/_fake/stats")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestDemo: the tour runs without a terminal, as CI runs it, writes no
// colour there, shows configure git, doctor and a real git credential
// fill against the fake account, and stops the fake account at the end.
func TestDemo(t *testing.T) {
	demoTools(t)
	out := runDemo(t)
	if strings.Contains(out, "\x1b") {
		t.Errorf("demo.sh wrote escape sequences to a pipe:\n%q", out)
	}
	for _, want := range []string{
		"$ prusa-credential-helper configure git\n",
		"| git credential fill\nprotocol=https\nhost=connect.prusa3d.com\nusername=maker@example.com\npassword=",
		"$ prusa-credential-helper doctor\n",
		", 0 fail\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo.sh output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`fake Prusa Account at (http://\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("demo.sh did not say where the fake account is:\n%s", out)
	}
	if reachable(m[1]) {
		t.Errorf("the fake account at %s still answers after demo.sh without --keep", m[1])
	}
}

// TestDemoKeep: with --keep the fake account outlives the tour, and the
// tour ends with the export line to use it and the command that stops it.
func TestDemoKeep(t *testing.T) {
	demoTools(t)
	out := runDemo(t, "--keep")
	stop := regexp.MustCompile(`(?m)^  kill (\d+); rm -rf (\S+)$`).FindStringSubmatch(out)
	if stop == nil {
		t.Fatalf("demo.sh --keep did not say how to stop the fake account:\n%s", out)
	}
	t.Cleanup(func() {
		if pid, err := strconv.Atoi(stop[1]); err == nil {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
		}
		os.RemoveAll(stop[2])
	})
	export := regexp.MustCompile(`(?m)^  export PRUSA_ACCOUNT_URL=(http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(out)
	if export == nil {
		t.Fatalf("demo.sh --keep printed no export PRUSA_ACCOUNT_URL= line:\n%s", out)
	}
	if !reachable(export[1]) {
		t.Errorf("the fake account at %s does not answer after demo.sh --keep", export[1])
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("demo.sh --keep wrote escape sequences to a pipe:\n%q", out)
	}
}
