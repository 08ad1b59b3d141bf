// Package winetest lets a test skip what Wine cannot do when the tests
// run as Windows programs under Wine (scripts/wine-test.sh, which sets
// PRUSA_UNDER_WINE=1). Each limit is a constant that names what Wine does
// differently, so that a skip says why; docs/windows.md lists them and
// what they leave to be checked on real Windows.
package winetest

import (
	"os"
	"testing"
)

// Env is the variable that scripts/wine-test.sh sets to 1.
const Env = "PRUSA_UNDER_WINE"

// The limits of Wine 8 that tests meet.
const (
	// Symlinks: CreateSymbolicLink reports success and creates nothing.
	Symlinks = "Wine's CreateSymbolicLink reports success and creates nothing"
	// UnixSockets: Winsock has no AF_UNIX, so no Secret Service bus.
	UnixSockets = "Wine's Winsock has no Unix-domain sockets (WSAEAFNOSUPPORT)"
	// Console: a Go program reading CONIN$ hangs when its standard input
	// and output are redirected.
	Console = "under Wine, reading CONIN$ with redirected stdin and stdout hangs"
	// TargetNames: Credential Manager target names stop at 247
	// characters (Windows allows 32,767).
	TargetNames = "Wine's Credential Manager refuses target names over 247 characters"
	// BlobLimit: Credential Manager takes blobs over 2,560 bytes
	// (CRED_MAX_CREDENTIAL_BLOB_SIZE), which Windows refuses.
	BlobLimit = "Wine's Credential Manager does not enforce the 2,560-byte blob limit"
	// ReplaceOpen: a rename never replaces a file that another handle has
	// open, not even one opened with FILE_SHARE_DELETE and renamed with
	// POSIX semantics, as Windows 10 allows.
	ReplaceOpen = "Wine refuses to rename over an open file even when it is shared for deletion (POSIX-semantics rename)"
)

// Under reports whether the tests run under Wine.
func Under() bool { return os.Getenv(Env) == "1" }

// Skip skips the test under Wine, naming the limit it would meet.
func Skip(t testing.TB, limit string) {
	t.Helper()
	if Under() {
		t.Skip("skipped under Wine: " + limit)
	}
}
