package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// The account every script logs in as.
const (
	scriptEmail    = "maker@example.com"
	scriptPassword = "correct horse battery staple"
	scriptTOTP     = "JBSWY3DPEHPK3PXP"
	scriptOTPCode  = "424242" // always accepted, for scripts that type a code
)

// scriptSocialAccount is the second account of every script's fake: made
// with Google, it has no password and signs in only through the browser.
var scriptSocialAccount = pkcetest.Account{Email: "social@example.com", Social: true, Subject: "7654321"}

// scriptOtherAccount is the third account of every script's fake, with a
// password and no 2FA: another person on the same machine.
var scriptOtherAccount = pkcetest.Account{Email: "other@example.com", Password: scriptPassword, Subject: "2345678"}

// servers holds each script's fake Prusa Account.
var servers sync.Map // *testscript.TestScript -> *pkcetest.Server

// serversByWork keeps each script's fake by $WORK after the script ends,
// so that the secrets audit can ask it what it handed out.
var serversByWork sync.Map // string -> *pkcetest.Server

// cmdFakeAccount drives a fake Prusa Account from a script:
//
//	fakeaccount start [2fa] [codettl=D]
//	                               start it (2fa: TOTP, and code 424242; codettl: codes
//	                               expire after D); PRUSA_ACCOUNT_URL points at it. It also
//	                               has social@example.com, without a password (login --web)
//	fakeaccount session TTL        store a session whose access token lives TTL
//	fakeaccount tokens TTL FILE [REFRESH_TTL]
//	                               write a session with that TTL to FILE
//	fakeaccount count KIND N       assert that N requests of KIND arrived
//	fakeaccount revoke             end every session of the account
//	fakeaccount fault STATUS [N]   answer the next N (0: all) token requests with STATUS
//	fakeaccount fault page         answer every request with a page the form login does not
//	                               know, as a CAPTCHA in front of it would
//	fakeaccount fault delay D [N]  hold the next N (0: all) requests to any endpoint for D
//	                               before answering them, as a slow network would
//
// Besides maker@example.com (password and optional 2FA) and the social
// account it has other@example.com, with the same password and no 2FA.
func cmdFakeAccount(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! fakeaccount")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: fakeaccount start|session|tokens|count|revoke|fault")
	}
	if args[0] == "start" {
		acct := pkcetest.Account{Email: scriptEmail, Password: scriptPassword, Subject: "1234567"}
		opts := pkcetest.Options{AccessTTL: time.Hour, AllowTOTPReplay: true}
		for _, a := range args[1:] {
			switch k, v, _ := strings.Cut(a, "="); k {
			case "2fa":
				acct.TOTPSecret = scriptTOTP
				acct.OTPCode = scriptOTPCode
			case "codettl":
				ttl, err := time.ParseDuration(v)
				ts.Check(err)
				opts.CodeTTL = ttl
			default:
				ts.Fatalf("fakeaccount start: unknown option %q", a)
			}
		}
		srv := pkcetest.NewServer(opts, acct, scriptSocialAccount, scriptOtherAccount)
		servers.Store(ts, srv)
		serversByWork.Store(ts.Getenv("WORK"), srv)
		ts.Defer(func() { srv.Close(); servers.Delete(ts) })
		ts.Setenv("PRUSA_ACCOUNT_URL", srv.URL())
		return
	}
	v, ok := servers.Load(ts)
	if !ok {
		ts.Fatalf("fakeaccount %s: run 'fakeaccount start' first", args[0])
	}
	srv := v.(*pkcetest.Server)
	switch args[0] {
	case "session", "tokens":
		if len(args) < 2 {
			ts.Fatalf("usage: fakeaccount session TTL | tokens TTL FILE")
		}
		ttl, err := time.ParseDuration(args[1])
		ts.Check(err)
		path := filepath.Join(ts.Getenv("SDKDIR"), "prusa_tokens.json")
		refreshTTL := pkcetest.DefaultRefreshTTL
		if args[0] == "tokens" {
			if len(args) != 3 && len(args) != 4 {
				ts.Fatalf("usage: fakeaccount tokens TTL FILE [REFRESH_TTL]")
			}
			path = ts.MkAbs(args[2])
			if len(args) == 4 {
				refreshTTL, err = time.ParseDuration(args[3])
				ts.Check(err)
			}
		}
		tr, err := srv.IssueTTL(scriptEmail, ttl, refreshTTL)
		ts.Check(err)
		ts.Check(os.MkdirAll(filepath.Dir(path), 0o700))
		ts.Check(os.WriteFile(path, tr.JSON(), 0o600))
	case "count":
		if len(args) != 3 {
			ts.Fatalf("usage: fakeaccount count KIND N")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		if got := srv.Count(pkcetest.RequestKind(args[1])); got != want {
			ts.Fatalf("fake account: %d %s requests, want %d (all: %v)", got, args[1], want, srv.Stats())
		}
	case "revoke":
		srv.Revoke(scriptEmail)
	case "fault":
		if len(args) < 2 {
			ts.Fatalf("usage: fakeaccount fault STATUS [N] | fault page | fault delay D [N]")
		}
		if args[1] == "page" {
			srv.SetFault(pkcetest.Fault{Scope: pkcetest.AllEndpoints, Garbage: true})
			return
		}
		// count is the optional N at args[i]: how many answers the
		// fault lasts (0: until cleared).
		count := func(i int) int {
			if len(args) <= i {
				return 0
			}
			n, err := strconv.Atoi(args[i])
			ts.Check(err)
			return n
		}
		if args[1] == "delay" {
			if len(args) < 3 {
				ts.Fatalf("usage: fakeaccount fault delay D [N]")
			}
			d, err := time.ParseDuration(args[2])
			ts.Check(err)
			srv.SetFault(pkcetest.Fault{Scope: pkcetest.AllEndpoints, Delay: d, Count: count(3)})
			return
		}
		status, err := strconv.Atoi(args[1])
		ts.Check(err)
		srv.SetFault(pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Status: status, Count: count(2)})
	default:
		ts.Fatalf("fakeaccount: unknown subcommand %q", args[0])
	}
}
