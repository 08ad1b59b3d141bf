// Package childenv builds the environment of the processes the helper
// starts (git, run by configure and doctor). It is the one place that
// does, so that no secret given to the helper through its environment
// reaches a child: git would hand its environment on to every helper,
// hook and pager it runs.
package childenv

import (
	"os"
	"runtime"
	"slices"
	"strings"
)

// The variables that hold a password, a token or a 2FA secret, declared
// here, where it is decided that they never reach a child process; the
// command line and the session read them under these names.
const (
	Password   = "PRUSA_PASSWORD"
	OTP        = "PRUSA_OTP"
	TOTPSecret = "PRUSA_TOTP_SECRET"
	Token      = "PRUSA_TOKEN"
	TokensJSON = "PRUSA_TOKENS_JSON"
)

// Secrets are those variables.
var Secrets = []string{Password, OTP, TOTPSecret, Token, TokensJSON}

// Without returns env (NAME=value entries) without the Secrets. Names are
// compared as the system does: case-insensitively on Windows.
func Without(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.ContainsFunc(Secrets, func(s string) bool {
			return name == s || (runtime.GOOS == "windows" && strings.EqualFold(name, s))
		})
	})
}

// Environ is the process's environment without the Secrets: what a child
// process gets.
func Environ() []string { return Without(os.Environ()) }
