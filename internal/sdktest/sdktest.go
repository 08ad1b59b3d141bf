// Package sdktest writes a session file exactly as the Prusa Connect
// Python SDK (prusactl, prusa-connect-sdk-client 1.0) does, for tests of
// the helper against it.
//
// The SDK saves its token set with
//
//	with open(path, "w") as f:
//	    json.dump(tokens, f, indent=2)
//	os.chmod(path, 0o600)
//
// in place: no temporary file, no lock, the mode tightened only after the
// write. A reader that comes in between sees an empty or half-written
// file, and a new file is briefly readable by others.
package sdktest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
)

// Indent returns the token-set JSON tokens as json.dump(indent=2) writes
// it: keys in their order, two spaces, ", " and ": " separators, no
// newline at the end.
func Indent(tokens []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(tokens), "", "  "); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write saves tokens (a token-set JSON) at path the way the SDK does. When
// mid is not nil, the file is written in two halves and mid is called
// between them, while the file holds only the first half.
func Write(path string, tokens []byte, mid func()) error {
	data, err := Indent(tokens)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// Python's open(path, "w"): O_WRONLY|O_CREAT|O_TRUNC, mode 0666
	// less the umask.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return err
	}
	half := len(data) / 2
	if mid == nil {
		half = len(data)
	}
	if _, err := f.Write(data[:half]); err != nil {
		f.Close()
		return err
	}
	if mid != nil {
		mid()
	}
	if _, err := f.Write(data[half:]); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}
