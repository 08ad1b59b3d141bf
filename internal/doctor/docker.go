package doctor

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// checkDocker checks the credHelpers of docker's config.json for the
// Prusa hosts. It reports whether docker runs this helper for any of them.
func (d *Doctor) checkDocker() (Finding, bool) {
	const check = "docker/config"
	configureHint := "run '" + configure.MainName + " configure docker' if you use docker with Prusa Connect"
	path, err := configure.DockerConfigPath(d.Getenv, d.goos())
	if err != nil {
		return finding(check, Warn, "set DOCKER_CONFIG or HOME", "%v", err), false
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if _, err := configure.LookPath("docker", d.Getenv); err != nil {
			return ok(check, "docker is not installed and %s does not exist; nothing to check", path), false
		}
	}
	helpers, err := configure.DockerHelpers(path)
	if invalid, ok := errors.AsType[*configure.InvalidConfigError](err); ok {
		return finding(check, Fail, "fix it: docker cannot read it either; then run '"+configure.MainName+" configure docker'",
			"%s: %v", invalid.Path, invalid.Err), false
	}
	if err != nil {
		return finding(check, Fail, hint.Of(err), "%v", err), false
	}
	var missing, others, ours []string
	for _, h := range d.Hosts {
		switch v, found := helpers[h]; {
		case !found:
			missing = append(missing, h)
		case v == configure.HelperName:
			ours = append(ours, h)
		default:
			others = append(others, fmt.Sprintf("%s to %q", h, v))
		}
	}
	usesUs := len(ours) > 0
	switch {
	case len(others) > 0:
		return finding(check, Warn, "remove those credHelpers entries, then "+configureHint,
			"%s gives %s, not to prusa", path, strings.Join(others, ", ")), usesUs
	case len(missing) > 0:
		return finding(check, Warn, configureHint,
			"%s has no credHelpers entry for %s", path, strings.Join(missing, ", ")), usesUs
	}
	return ok(check, "docker runs prusa for %s (%s)", strings.Join(ours, ", "), path), usesUs
}
