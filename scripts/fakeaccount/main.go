// Command fakeaccount serves the fake Prusa Account server of package
// pkce/pkcetest for scripts and multi-process tests (scripts/demo.sh, the
// stress test). It serves one account (two with -social-email: the second
// has no password and signs in only through the login page's "Continue
// with Google", as pkcetest.Account.Social describes), prints its base
// URL as the first line on stdout and serves until SIGINT or SIGTERM, or, with
// -exit-on-stdin-eof, until stdin is closed.
//
// Besides the account endpoints it serves the fake-only control endpoints
// documented in package pkcetest: GET /_fake/stats (counters as JSON),
// POST and DELETE /_fake/fault, POST /_fake/issue and POST /_fake/revoke.
//
// Usage:
//
//	url=$(go run ./scripts/fakeaccount -email a@example.com -password pw | head -n1)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

func main() { os.Exit(run()) }

func run() int {
	addr := flag.String("addr", "127.0.0.1:0", "listen `address`; port 0 picks a free one")
	email := flag.String("email", "user@example.com", "the account's email")
	password := flag.String("password", "password", "the account's password")
	totpSecret := flag.String("totp-secret", "", "base32 RFC 6238 seed; the account has 2FA when set")
	otpCode := flag.String("otp-code", "", "a fixed six-digit 2FA code that is always accepted")
	socialEmail := flag.String("social-email", "", "also serve this account, which has no password and signs in through the provider (login --web)")
	accessTTL := flag.Duration("access-ttl", pkcetest.DefaultAccessTTL, "access and id token lifetime")
	refreshTTL := flag.Duration("refresh-ttl", pkcetest.DefaultRefreshTTL, "refresh token lifetime")
	opaque := flag.Bool("opaque-refresh-tokens", false, "issue refresh tokens that are not JWTs")
	replay := flag.Bool("allow-totp-replay", false, "accept a TOTP code again within its 30 s step")
	stdinEOF := flag.Bool("exit-on-stdin-eof", false, "exit when stdin is closed (off by default: a background job in a script has stdin at EOF)")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakeaccount: error: %v\n", err)
		return 1
	}
	base := "http://" + advertised(*addr, ln.Addr())
	accounts := []pkcetest.Account{{Email: *email, Password: *password, TOTPSecret: *totpSecret, OTPCode: *otpCode}}
	if *socialEmail != "" {
		accounts = append(accounts, pkcetest.Account{Email: *socialEmail, Social: true})
	}
	srv, err := newServer(pkcetest.Options{
		URL: base, AccessTTL: *accessTTL, RefreshTTL: *refreshTTL,
		OpaqueRefreshTokens: *opaque, AllowTOTPReplay: *replay,
	}, accounts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakeaccount: error: %v\n", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *stdinEOF {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		srv.Close() // ends fault delays
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}()

	fmt.Println(base)
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(os.Stderr, "fakeaccount: error: %v\n", err)
		return 1
	}
	<-stopped
	return 0
}

// newServer turns the setup panics of pkcetest.New into an error.
func newServer(opts pkcetest.Options, accounts ...pkcetest.Account) (srv *pkcetest.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return pkcetest.New(opts, accounts...), nil
}

// advertised is the host:port clients should use: the listener's, with
// loopback for a listener on all interfaces (IPv6 loopback only when the
// requested address was an IPv6 one).
func advertised(requested string, a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
		if host, _, err := net.SplitHostPort(requested); err == nil && strings.Contains(host, ":") {
			ip = net.IPv6loopback
		}
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}
