package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// HealthChecker is what a backend may implement to report its health
// beyond answering List: a keyring that is locked, a daemon that does not
// answer. It must not read or print secrets.
type HealthChecker interface {
	Health(ctx context.Context) error
}

// checkBackend opens nothing itself: it asks the open backend for its
// list of keys (no value is read), its health when it can tell, and
// whether its directory is writable.
func (d *Doctor) checkBackend(ctx context.Context) Finding {
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
	if hc, ok := b.Store.(HealthChecker); ok {
		if err := hc.Health(ctx); err != nil {
			return finding(check, Fail, hint.Of(err), "%s: %v", b.Name, err)
		}
	}
	if b.Dir != "" {
		if err := writable(b.Dir); errors.Is(err, fs.ErrNotExist) {
			return ok(check, "%s answers; nothing is stored yet (the first login creates the directory)", b.Name)
		} else if err != nil {
			return finding(check, Fail, "make "+b.Dir+" writable for you (chmod 700 "+b.Dir+")", "%s: cannot write in %s: %v", b.Name, b.Dir, err)
		}
	}
	return ok(check, "%s answers; %d other credential(s) stored", b.Name, len(keys))
}

// writable checks that a file can be created in dir, and removes it.
func writable(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// checkFiles checks that the files holding secrets are readable by their
// owner only, one finding per file, and returns the indexes of the ones
// open to others. Windows protects them with the ACLs of the profile
// instead.
func (d *Doctor) checkFiles() (out []Finding, loose []int) {
	if d.goos() == "windows" {
		return nil, nil
	}
	for _, f := range d.PrivateFiles {
		fi, err := os.Stat(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out = append(out, ok(f.Check, "%s does not exist yet", f.Path))
		case err != nil:
			out = append(out, finding(f.Check, Warn, "", "cannot check %s: %v", f.Path, err))
		case fi.Mode().Perm()&0o077 != 0:
			out = append(out, finding(f.Check, Warn, "chmod 600 "+f.Path,
				"%s is open to group or others (mode %04o); it holds secrets", f.Path, fi.Mode().Perm()))
			loose = append(loose, len(out)-1)
		default:
			out = append(out, ok(f.Check, "%s is private (mode %04o)", f.Path, fi.Mode().Perm()))
		}
	}
	return out, loose
}

// recheckFiles says, for each file that was open to others, whether the
// backend has tightened it since (it does when it reads one): still a
// warning, since something loosened it, but with nothing left to run.
func (d *Doctor) recheckFiles(fs []Finding, loose []int) []Finding {
	for _, i := range loose {
		f := d.PrivateFiles[i]
		if fi, err := os.Stat(f.Path); err == nil && fi.Mode().Perm()&0o077 == 0 {
			fs[i].Message += fmt.Sprintf("; the helper has now tightened it to %04o", fi.Mode().Perm())
			fs[i].Hint = "find what loosened it (a copy, a restored backup, another tool); the helper tightens it whenever it reads it"
		}
	}
	return fs
}
