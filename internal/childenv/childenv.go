// Package childenv builds the environment of the processes the helper
// starts (git, run by configure and doctor). It is the one place that
// does, so that no secret given to the helper through its environment
// reaches a child: git would hand its environment on to every helper,
// hook and pager it runs.
package childenv

import (
	"os"
	"runtime"
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
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !isSecret(name) {
			out = append(out, kv)
		}
	}
	return out
}

// Environ is the process's environment without the Secrets: what a child
// process gets.
func Environ() []string { return Without(os.Environ()) }

func isSecret(name string) bool {
	for _, s := range Secrets {
		if name == s || (runtime.GOOS == "windows" && strings.EqualFold(name, s)) {
			return true
		}
	}
	return false
}
