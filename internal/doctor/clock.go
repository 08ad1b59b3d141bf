package doctor

import (
	"context"
	"net/http"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
)

// Clock skew limits: beyond ClockWarn a token's expiry is misjudged by
// more than the 30 s the helper keeps in hand, and TOTP codes (30 s steps)
// start to fail; beyond ClockFail tokens are handed out expired.
const (
	ClockWarn = 30 * time.Second
	ClockFail = 5 * time.Minute
	// clockTimeout bounds the request to Prusa Account.
	clockTimeout = 5 * time.Second
)

// checkClock compares the local clock with the Date header of Prusa
// Account. Being offline is a warning, never a failure.
func (d *Doctor) checkClock(ctx context.Context) Finding {
	const check = "clock"
	ctx, cancel := context.WithTimeout(ctx, clockTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, d.AccountURL, nil)
	if err != nil {
		return finding(check, Warn, "", "cannot check the clock against %q: %v", d.AccountURL, err)
	}
	client := http.Client{Timeout: clockTimeout}
	if d.HTTPClient != nil {
		client = *d.HTTPClient // a copy, whose CheckRedirect can be set
	}
	// The Date of the first answer is all we need.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	sent := d.now()
	resp, err := client.Do(req)
	if err != nil {
		return finding(check, Warn, "check the network or proxy (HTTPS_PROXY); the other checks do not need it",
			"could not reach %s to compare clocks: %v", d.AccountURL, err)
	}
	resp.Body.Close()
	received := d.now()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return finding(check, Warn, "", "%s sent no usable Date header; clock not checked", d.AccountURL)
	}
	// Date is truncated to the second; compare with the middle of it
	// and of the round trip.
	local := sent.Add(received.Sub(sent) / 2)
	skew := local.Sub(date.Add(500 * time.Millisecond))
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	abs := max(skew, -skew)
	syncHint := "set the system clock to synchronise automatically (NTP)"
	switch {
	case abs > ClockFail:
		return finding(check, Fail, syncHint, "this clock is %s %s %s: tokens are judged fresh or stale wrongly", humantime.Duration(abs), dir, d.AccountURL)
	case abs > ClockWarn:
		return finding(check, Warn, syncHint, "this clock is %s %s %s: token expiry and 2FA codes may be misjudged", humantime.Duration(abs), dir, d.AccountURL)
	}
	return ok(check, "this clock agrees with %s (within %s)", d.AccountURL, humantime.Duration(ClockWarn))
}
