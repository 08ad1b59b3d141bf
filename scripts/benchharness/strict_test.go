package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name   string
		rows   []string // the result cell of each row
		strict bool
		want   int
	}{
		{"all pass", []string{"pass", "info"}, false, 0},
		{"all pass, strict", []string{"pass", "info"}, true, 0},
		{"a FAIL row", []string{"pass", verdict(false)}, false, 0},
		{"a FAIL row, strict", []string{"pass", verdict(false)}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tbl table
			for _, r := range tt.rows {
				tbl.add("case", "1 ms", "1 ms", "1.00×", "≤ 1.15×", r)
			}
			if got := exitCode(tbl.failed, tt.strict); got != tt.want {
				t.Errorf("exitCode(failed=%v, strict=%v) = %d, want %d", tbl.failed, tt.strict, got, tt.want)
			}
		})
	}
}

// stubGo stands in for the go command in TestBenchStrict: "go build ... -o
// OUT PKG" writes OUT, a program that exits 0; for the harness, one that
// prints a table with a FAIL row and exits 1 only when given -strict, as
// exitCode does.
const stubGo = `#!/usr/bin/env bash
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

// TestBenchStrict runs scripts/bench.sh, with a stand-in go command that
// builds a harness whose table has a FAIL row: the script exits 0 and
// shows the table, and exits non-zero with BENCH_STRICT=1.
func TestBenchStrict(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	stubs := t.TempDir()
	if err := os.WriteFile(filepath.Join(stubs, "go"), []byte(stubGo), 0o755); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../bench.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, strict := range []string{"", "1"} {
		cmd := exec.Command(bash, script)
		cmd.Env = append(os.Environ(), "PATH="+stubs+string(os.PathListSeparator)+os.Getenv("PATH"),
			"BENCH_STRICT="+strict, "BENCH_TMPDIR="+t.TempDir())
		out, err := cmd.Output()
		var exit *exec.ExitError
		switch {
		case strict == "" && err != nil:
			t.Errorf("bench.sh with a FAIL row = %v, want exit 0", err)
		case strict == "1" && !errors.As(err, &exit):
			t.Errorf("BENCH_STRICT=1 bench.sh with a FAIL row = %v, want a non-zero exit", err)
		}
		if !strings.Contains(string(out), "**FAIL**") {
			t.Errorf("BENCH_STRICT=%q bench.sh printed %q, want the table", strict, out)
		}
	}
}
