package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safefile"
)

// checkBackend opens nothing itself: it asks the open backend for its
// list of keys (no value is read), and whether its directory is writable.
func (d *Doctor) checkBackend() Finding {
	const check = "backend"
	b := d.Backend
	if b.Err != nil {
		return finding(check, Fail, hint.Of(b.Err), "cannot open the backend: %v", b.Err)
	}
	if b.Store == nil {
		return finding(check, Fail, "", "no backend")
	}
	keys, err := b.Store.List("")
	if err != nil {
		return finding(check, Fail, hint.Of(err), "%s cannot be read: %v", b.Name, err)
	}
	chosen := ""
	if b.Source != "" {
		chosen = "; chosen by " + b.Source
	}
	if b.Dir != "" {
		if fi, err := os.Lstat(b.Dir); err == nil {
			if _, err := safefile.CheckDir(b.Dir, fi); err != nil {
				return finding(check, Fail, hint.Of(err), "%s: %v", b.Name, err)
			}
		}
		// A directory that does not exist yet is made by the first write.
		if err := writable(b.Dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return finding(check, Fail, "make "+b.Dir+" writable for you (chmod 700 "+b.Dir+")", "%s: cannot write in %s: %v", b.Name, b.Dir, err)
		}
	}
	return ok(check, "%s answers; %d other credential(s) stored%s", b.Name, len(keys), chosen)
}

// writable checks that a file can be created in dir, and removes it.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// checkFiles checks that the files holding secrets are readable by their
// owner only, one finding per PrivateFile, and returns the indexes of the
// ones open to others. Windows protects them with the ACLs of the profile
// instead.
func (d *Doctor) checkFiles() (out []Finding, loose []int) {
	if d.goos() == "windows" {
		return nil, nil
	}
	for _, f := range d.PrivateFiles {
		finding, open := checkPrivate(f)
		out = append(out, finding)
		if open {
			loose = append(loose, len(out)-1)
		}
	}
	return out, loose
}

// checkPrivate checks one PrivateFile. open says whether it, or a file in
// the directory, was open to others.
func checkPrivate(f PrivateFile) (_ Finding, open bool) {
	fi, err := os.Lstat(f.Path)
	switch {
	case err == nil && f.Dir:
		_, err = safefile.CheckDir(f.Path, fi)
	case err == nil:
		err = safefile.CheckFile(f.Path, fi)
	}
	var unsafe *safefile.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ok(f.Check, "%s does not exist yet", f.Path), false
	case errors.As(err, &unsafe):
		return finding(f.Check, Fail, unsafe.Fix, "%v", unsafe), false
	case err != nil:
		return finding(f.Check, Warn, "", "cannot check %s: %v", f.Path, err), false
	case f.Dir:
		return checkDir(f, fi)
	case fi.Mode().Perm()&0o077 != 0:
		return finding(f.Check, Warn, "chmod 600 "+f.Path,
			"%s is open to group or others (mode %04o); it holds secrets", f.Path, fi.Mode().Perm()), true
	}
	return ok(f.Check, "%s is private (mode %04o)", f.Path, fi.Mode().Perm()), false
}

// looseFiles returns the files in dir that group or others may access,
// with their modes, and how many files it holds.
func looseFiles(dir string) (loose []string, total int, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		total++
		if fi.Mode().Perm()&0o077 != 0 {
			loose = append(loose, fmt.Sprintf("%s (mode %04o)", e.Name(), fi.Mode().Perm()))
		}
	}
	return loose, total, nil
}

// checkDir checks the modes of a safe directory of secrets files, fi, and
// of each file in it.
func checkDir(f PrivateFile, fi fs.FileInfo) (_ Finding, open bool) {
	loose, total, err := looseFiles(f.Path)
	if err != nil {
		return finding(f.Check, Warn, "", "cannot check %s: %v", f.Path, err), false
	}
	var problems, fixes []string
	if fi.Mode().Perm()&0o077 != 0 {
		problems = append(problems, fmt.Sprintf("%s is open to group or others (mode %04o)", f.Path, fi.Mode().Perm()))
		fixes = append(fixes, "chmod 700 "+f.Path)
	}
	if len(loose) > 0 {
		shown := loose
		if len(shown) > 3 {
			shown = append(shown[:3:3], fmt.Sprintf("and %d more", len(loose)-3))
		}
		problems = append(problems, fmt.Sprintf("%d of the %d file(s) in %s are open to group or others: %s",
			len(loose), total, f.Path, strings.Join(shown, ", ")))
		fixes = append(fixes, "chmod 600 "+filepath.Join(f.Path, "*"))
	}
	if len(problems) == 0 {
		return ok(f.Check, "%s is private (mode %04o), and so are its %d file(s)", f.Path, fi.Mode().Perm(), total), false
	}
	they := "they"
	if len(loose) == 0 {
		they = "the files in it"
	}
	return finding(f.Check, Warn, strings.Join(fixes, " && "), "%s; %s hold secrets", strings.Join(problems, "; "), they), len(loose) > 0
}

// recheckFiles says, for each file that was open to others, whether the
// backend has tightened it since (it does when it reads one): still a
// warning, since something loosened it, but with nothing left to run. For
// a directory, that is when none of its files is open any more; its own
// mode is read again too (the backend tightens its own directories when
// others may read them).
func (d *Doctor) recheckFiles(fs []Finding, loose []int) []Finding {
	const why = "find what loosened it (a copy, a restored backup, another tool); the helper tightens it whenever it reads it"
	for _, i := range loose {
		f := d.PrivateFiles[i]
		fi, err := os.Stat(f.Path)
		switch {
		case err != nil:
		case !f.Dir && fi.Mode().Perm()&0o077 == 0:
			fs[i].Message += fmt.Sprintf("; the helper has now tightened it to %04o", fi.Mode().Perm())
			fs[i].Hint = why
		case f.Dir:
			if still, _, err := looseFiles(f.Path); err == nil && len(still) == 0 {
				fs[i].Message += "; the helper has now tightened the files to 0600"
				if fi.Mode().Perm()&0o077 == 0 {
					fs[i].Hint = "find what loosened them (a copy, a restored backup, another tool); the helper tightens each whenever it reads it"
				} else {
					fs[i].Hint = "chmod 700 " + hint.Path(f.Path)
				}
			}
		}
	}
	return fs
}
