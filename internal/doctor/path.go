package doctor

import (
	"path/filepath"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// checkPath finds each of the three names on PATH and checks that it is
// this binary. A protocol name that is missing fails when its tool is
// configured to run it (git would say "'credential-prusa' is not a git
// command"), and only warns otherwise.
func (d *Doctor) checkPath(gitUsesUs, dockerUsesUs bool) []Finding {
	exe, exeErr := d.Executable()
	if exeErr == nil {
		if abs, err := filepath.Abs(exe); err == nil {
			exe = abs
		}
	}
	names := []struct {
		name, configure string
		needed          bool
	}{
		{configure.MainName, "", false},
		{configure.GitLinkName, "git", gitUsesUs},
		{configure.DockerLinkName, "docker", dockerUsesUs},
	}
	var fs []Finding
	for _, n := range names {
		check := "path/" + n.name
		found, err := configure.LookPath(n.name, d.Getenv)
		switch {
		case err != nil:
			st, why := Warn, ""
			if n.needed {
				st, why = Fail, "; "+n.configure+" is set up to run it and cannot"
			}
			fix := "add " + filepath.Dir(exe) + " to PATH: " + hint.AddToPath(filepath.Dir(exe))
			if n.configure != "" {
				fix = "run '" + configure.MainName + " configure " + n.configure + "', which installs it beside this binary, and make sure that directory is on PATH"
			}
			fs = append(fs, finding(check, st, fix, "%s is not on PATH%s", n.name, why))
		case exeErr != nil:
			fs = append(fs, finding(check, Warn, "", "%s is %s; cannot tell whether it is this binary: %v", n.name, found, exeErr))
		case configure.SameBinary(found, exe):
			fs = append(fs, ok(check, "%s (this binary)", found))
		default:
			fix := "another install comes first on PATH: remove it, or put " + filepath.Dir(exe) + " before it on PATH: " + hint.AddToPath(filepath.Dir(exe))
			if filepath.Dir(found) == filepath.Dir(exe) && n.configure != "" {
				fix = "it is left from another version: run '" + configure.MainName + " configure " + n.configure + " --force' to replace it"
			}
			fs = append(fs, finding(check, Warn, fix, "%s is %s, which is not this binary (%s)", n.name, found, exe))
		}
	}
	return fs
}
