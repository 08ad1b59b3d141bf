package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
)

// cmdDateServer starts a server that stands for Prusa Account with a
// clock SKEW off the real one (the Date header of every answer), and
// points PRUSA_ACCOUNT_URL at it, for doctor's clock check:
//
//	dateserver SKEW       a Go duration: 10m (its clock ahead), -10m (behind)
func cmdDateServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: dateserver SKEW")
	}
	skew, err := time.ParseDuration(args[0])
	ts.Check(err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusNoContent)
	}))
	ts.Defer(srv.Close)
	ts.Setenv("PRUSA_ACCOUNT_URL", srv.URL)
}

// cmdLookPath sets VAR to where the script's PATH finds the program NAME,
// or with -dir to its directory, so that scripts can build a PATH of
// their own:
//
//	lookpath [-dir] VAR NAME
func cmdLookPath(ts *testscript.TestScript, neg bool, args []string) {
	dir := len(args) > 0 && args[0] == "-dir"
	if dir {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: lookpath [-dir] VAR NAME")
	}
	path, err := configure.LookPath(args[1], ts.Getenv)
	ts.Check(err)
	if dir {
		path = filepath.Dir(path)
	}
	ts.Setenv(args[0], path)
}
