package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/help.txt")

// TestHelp keeps every command's --help in testdata/help.txt. CI runs it
// also with -tags urfave_cli_no_template, the installed binary's help
// renderer, so that both print the same.
func TestHelp(t *testing.T) {
	var all bytes.Buffer
	var walk func(path []string)
	walk = func(path []string) {
		var out, errOut bytes.Buffer
		p := &Program{Stdout: &out, Stderr: &errOut}
		if code := p.Run(context.Background(), append(append([]string{Name}, path...), "--help")); code != 0 || errOut.Len() > 0 {
			t.Fatalf("%s --help: exit %d, stderr %q", strings.Join(path, " "), code, errOut.String())
		}
		all.WriteString("$ " + strings.Join(append([]string{Name}, path...), " ") + " --help\n")
		all.Write(out.Bytes())
		all.WriteString("\n")
		c := p.Command()
		for _, name := range path {
			for _, sub := range c.Commands {
				if sub.Name == name {
					c = sub
				}
			}
		}
		for _, sub := range c.Commands {
			walk(append(path[:len(path):len(path)], sub.Name))
		}
	}
	walk(nil)
	for _, want := range []string{"(default: false)", "(the default) (default"} {
		if strings.Contains(all.String(), want) {
			t.Errorf("the help says %q", want)
		}
	}
	golden := filepath.Join("testdata", "help.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, all.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestHelp -update ./internal/cli)", err)
	}
	if diff := cmp.Diff(string(want), all.String()); diff != "" {
		t.Errorf("--help differs from %s (-want +got); if intended, run go test -run TestHelp -update ./internal/cli:\n%s", golden, diff)
	}
}
