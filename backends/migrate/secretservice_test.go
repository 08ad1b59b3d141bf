//go:build linux

package migrate

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/secretservice"
)

// TestFileToSecretServiceAndBack moves a session and credentials from
// the file into a real Secret Service and back (run the tests under
// scripts/secret-service.sh).
func TestFileToSecretServiceAndBack(t *testing.T) {
	if os.Getenv("PRUSA_SECRET_SERVICE_TEST") != "1" {
		if os.Getenv("PRUSA_REQUIRE_SECRET_SERVICE") == "1" {
			t.Fatal("a private Secret Service is required (PRUSA_REQUIRE_SECRET_SERVICE=1): run under scripts/secret-service.sh")
		}
		t.Skip("no private Secret Service: run under scripts/secret-service.sh")
	}
	var b [6]byte
	rand.Read(b[:])
	ss, err := secretservice.Open(secretservice.Options{Getenv: os.Getenv, Service: "prusa-credential-helper-test-" + hex.EncodeToString(b[:])})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	dir := t.TempDir()
	fs := filled(t, file.New(file.Options{Dir: dir}), data)

	if _, err := (Options{}).Migrate(fs, ss); err != nil {
		t.Fatalf("Migrate(file, secret-service) = %v", err)
	}
	if diff := cmp.Diff(data, contents(t, ss)); diff != "" {
		t.Errorf("Secret Service after the migration (-want +got):\n%s", diff)
	}
	if got := contents(t, file.New(file.Options{Dir: dir})); len(got) != 0 {
		t.Errorf("file after the migration holds %d keys", len(got))
	}
	if _, err := (Options{}).Migrate(ss, file.New(file.Options{Dir: dir})); err != nil {
		t.Fatalf("Migrate(secret-service, file) = %v", err)
	}
	if diff := cmp.Diff(data, contents(t, file.New(file.Options{Dir: dir}))); diff != "" {
		t.Errorf("file after the round trip (-want +got):\n%s", diff)
	}
	if got := contents(t, ss); len(got) != 0 {
		t.Errorf("Secret Service after the round trip holds %d keys", len(got))
	}
}
