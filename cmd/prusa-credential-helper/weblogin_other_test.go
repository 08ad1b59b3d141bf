//go:build !linux

package main

import "github.com/rogpeppe/go-internal/testscript"

// cmdWebLogin needs a pseudo-terminal of its own, which the tests open on
// Linux only; scripts that use it skip elsewhere.
func cmdWebLogin(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("weblogin: needs Linux")
}

// cmdPTYShell needs a pseudo-terminal too.
func cmdPTYShell(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("ptyshell: needs Linux")
}
