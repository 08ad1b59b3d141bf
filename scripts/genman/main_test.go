package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManPageUpToDate regenerates the man page and compares it with the
// committed one, so that a change to a command, flag or usage text cannot
// leave the page behind.
func TestManPageUpToDate(t *testing.T) {
	page, err := Page()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"prusa-credential-helper", "configure", "doctor", "completion", "PRUSA_CREDENTIAL_BACKEND", ".SH ENVIRONMENT", ".SH FILES", ".SH EXAMPLES", ".SH EXIT STATUS", ".SH SEE ALSO", "gitcredentials"} {
		if !strings.Contains(page, want) {
			t.Errorf("the man page does not mention %q", want)
		}
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", DefaultOutput))
	if err != nil {
		t.Fatalf("%v; generate it with: go run ./scripts/genman", err)
	}
	if string(committed) != page {
		t.Errorf("%s is out of date: regenerate it with 'go run ./scripts/genman' (or 'make man') and commit it", DefaultOutput)
	}
}
