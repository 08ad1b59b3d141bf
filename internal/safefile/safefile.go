// Package safefile reads the helper's secrets files and checks its
// directories without trusting what it finds on disk, as ssh and gpg do.
//
// A secrets file (the session, a credentials file) is read only when it is
// a regular file with one name, owned by the current user and at most
// MaxSize bytes; it is opened without following a symbolic link and
// without blocking (a named pipe never hangs a read). Only then is a mode
// that lets others read it tightened to 0600. A directory that holds such
// files must be a real directory (not a link), owned by the current user
// and writable by no one else; one that others may only read or enter is
// tightened to 0700. Anything else is an *Error that names the path and
// says what to do, and nothing is changed.
//
// Ownership and modes are Unix notions: on Windows, where the profile's
// ACLs protect these files, only the type, link and size checks apply.
package safefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// MaxSize is the most a secrets file may hold. A session is a few KB and
// a credentials file one host's entries; 1 MiB is generous.
const MaxSize = 1 << 20

// Error reports a file or directory that is not safe to use. Nothing was
// read from it, written to it or changed in it.
type Error struct {
	Path    string
	Problem string // what is wrong, such as "is a symbolic link"
	Fix     string // what the user should do
}

func (e *Error) Error() string { return fmt.Sprintf("%s %s", e.Path, e.Problem) }

// Hint names the fix.
func (e *Error) Hint() string { return e.Fix }

// ReadFile reads the secrets file at path (see the package comment). A
// missing file is an error wrapping fs.ErrNotExist. When its mode lets
// others read it, it is tightened to 0600 and warn, when not nil, is told.
func ReadFile(path string, warn func(string)) ([]byte, error) {
	// A writer that replaces the file (a refresh in another process
	// renames its new version over it) between the Lstat and the open
	// makes the two name different files: that is no attack, so read
	// again, a few times, before calling it one.
	for range replacedTries {
		data, err := readFile(path, warn)
		if !errors.Is(err, errReplaced) {
			return data, err
		}
	}
	return nil, &Error{Path: path, Problem: "was replaced while it was being opened, " + fmt.Sprint(replacedTries) + " times", Fix: "run again; if it keeps happening, check what else writes " + hint.Path(path)}
}

// replacedTries is how often ReadFile opens a file that keeps being
// replaced under it before it gives up.
const replacedTries = 5

var errReplaced = errors.New("replaced while being opened")

// betweenLstatAndOpen, when set (by tests only), runs between readFile's
// Lstat and its open.
var betweenLstatAndOpen func()

func readFile(path string, warn func(string)) ([]byte, error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if err := CheckFile(path, before); err != nil {
		return nil, err
	}
	// On Windows, Lstat leaves the file's identity to be read when
	// SameFile first needs it, from whatever the name then holds: read it
	// now, before the open, or the check below would compare the opened
	// file with itself.
	os.SameFile(before, before)
	if betweenLstatAndOpen != nil {
		betweenLstatAndOpen()
	}
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(before, fi) {
		return nil, errReplaced
	}
	if err := CheckFile(path, fi); err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); modesApply && perm&0o077 != 0 {
		tightened(warn, fmt.Sprintf("%s was readable by other users (mode %04o)", path, perm), 0o600, f.Chmod(0o600))
	}
	// One buffer of the size Stat gave, with room to see the file grow,
	// not io.ReadAll's doubling: the session is read on every get.
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxSize+1)); err != nil {
		return nil, err
	}
	if buf.Len() > MaxSize {
		return nil, tooLarge(path)
	}
	return buf.Bytes(), nil
}

// CheckFile checks what Lstat or Stat said of a secrets file, without
// changing anything: an *Error when it is not one to read.
func CheckFile(path string, fi fs.FileInfo) error {
	if err := checkType(path, fi); err != nil {
		return err
	}
	if err := checkOwner(path, fi, "remove it ("+hint.Remove(path)+"), or, if it is yours, give it back to yourself (chown)"); err != nil {
		return err
	}
	if _, n, _ := owner(fi); n > 1 {
		return &Error{Path: path, Problem: fmt.Sprintf("has %d names (hard links); a secrets file must have one", n),
			Fix: "replace it with a copy of its own: " + hint.Copy(path, path+".new") + " && " + hint.Move(path+".new", path)}
	}
	if fi.Size() > MaxSize {
		return tooLarge(path)
	}
	return nil
}

// CheckLock checks what Lstat or Stat said of a lock file: a regular file
// of the current user. Its content is never read, so its size and names do
// not matter.
func CheckLock(path string, fi fs.FileInfo) error {
	if err := checkType(path, fi); err != nil {
		return err
	}
	return checkOwner(path, fi, "remove it ("+hint.Remove(path)+"); the helper makes a new one")
}

func checkType(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	what := "a special file"
	switch {
	case m.IsRegular():
		return nil
	case m&fs.ModeSymlink != 0:
		return &Error{Path: path, Problem: "is a symbolic link; the helper does not follow links to its files",
			Fix: "replace the link with the file itself, or remove it (" + hint.Remove(path) + ")"}
	case m.IsDir():
		return &Error{Path: path, Problem: "is a directory, not a file",
			Fix: "move it aside (" + hint.Move(path, path+".bad") + ")"}
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	return &Error{Path: path, Problem: "is " + what + ", not a regular file",
		Fix: "remove it (" + hint.Remove(path) + ")"}
}

func tooLarge(path string) error {
	return &Error{Path: path, Problem: fmt.Sprintf("is over %d KiB, too large for a secrets file", MaxSize>>10),
		Fix: "it is not one of the helper's files; move it aside (" + hint.Move(path, path+".bad") + ")"}
}

// PrepareDir checks the directory dir (CheckDir) before the helper reads
// or writes files in it; a missing one is fine (it is created 0700 when
// needed). When tighten is set (the helper's own directories), one that
// others may read or enter is changed to 0700, and warn, when not nil, is
// told; a directory the helper only borrows (the parent of a
// --tokens-file) is left as it is.
func PrepareDir(dir string, tighten bool, warn func(string)) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	loose, err := CheckDir(dir, fi)
	if err != nil || !loose || !tighten {
		return err
	}
	tightened(warn, fmt.Sprintf("%s was open to other users (mode %04o)", dir, fi.Mode().Perm()), 0o700, os.Chmod(dir, 0o700))
	return nil
}

// tightened tells warn, when not nil, that msg's file or directory was
// open to others and how changing its mode to mode went (err).
func tightened(warn func(string), msg string, mode fs.FileMode, err error) {
	if err != nil {
		msg += fmt.Sprintf("; could not change it to %04o: %v", mode, err)
	} else {
		msg += fmt.Sprintf("; its mode is now %04o", mode)
	}
	if warn != nil {
		warn(msg)
	}
}

// CheckDir checks what Lstat said of the directory dir without changing
// anything: an *Error when it is not safe, and loose when it is safe but
// others may read or enter it.
func CheckDir(dir string, fi fs.FileInfo) (loose bool, err error) {
	m := fi.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		return false, &Error{Path: dir, Problem: "is a symbolic link; the helper keeps its files only in a real directory",
			Fix: "replace the link with the directory it points to (rm the link, then mv the directory there)"}
	case !m.IsDir():
		return false, &Error{Path: dir, Problem: "is not a directory",
			Fix: "move it aside (" + hint.Move(dir, dir+".bad") + "); the helper creates the directory"}
	}
	if err := checkOwner(dir, fi, "move it aside ("+hint.Move(dir, dir+".bad")+"); the helper creates a new one"); err != nil {
		return false, err
	}
	if !modesApply {
		return false, nil
	}
	if m.Perm()&0o022 != 0 {
		return false, &Error{Path: dir, Problem: fmt.Sprintf("is writable by other users (mode %04o): they could replace the files in it", m.Perm()),
			Fix: "check that its files are yours, then: chmod 700 " + hint.Path(dir)}
	}
	return m.Perm()&0o077 != 0, nil
}

func checkOwner(path string, fi fs.FileInfo, fix string) error {
	uid, _, ok := owner(fi)
	if !ok || uid == os.Geteuid() {
		return nil
	}
	return &Error{Path: path, Problem: fmt.Sprintf("is owned by another user (uid %d)", uid), Fix: fix}
}
