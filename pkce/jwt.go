package pkce

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// claims are the payload of a JWT (RFC 7519), decoded but NOT verified:
// the tokens come straight from the token endpoint over TLS, or from the
// user's own store, and are only read for their expiry and identity. The
// server verifies them on every API call.
type claims map[string]json.RawMessage

// recent are the claims of the tokens decoded last: a get asks for the
// access token's expiry and the id token's email several times, and each
// decoding is a few microseconds of base64 and JSON. Claims are never
// changed once decoded.
var recent struct {
	sync.Mutex
	tokens [4]string
	claims [4]claims
	next   int
}

// parseClaims decodes the payload of a JWS compact serialization (RFC 7515
// §7.1): three base64url segments separated by dots. Padding is tolerated
// and so is the standard base64 alphabet, as some encoders produce them.
// Errors never contain the token.
func parseClaims(token string) (claims, error) {
	recent.Lock()
	defer recent.Unlock()
	for i, t := range recent.tokens {
		if t == token && t != "" {
			return recent.claims[i], nil
		}
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT (%d dot-separated parts, want 3)", len(parts))
	}
	if _, err := decodeSegment(parts[0]); err != nil {
		return nil, fmt.Errorf("not a JWT: header %w", err)
	}
	c, err := decodeSegment(parts[1])
	if err != nil {
		return nil, fmt.Errorf("not a JWT: payload %w", err)
	}
	recent.tokens[recent.next], recent.claims[recent.next] = token, c
	recent.next = (recent.next + 1) % len(recent.tokens)
	return c, nil
}

func decodeSegment(seg string) (claims, error) {
	seg = strings.TrimRight(seg, "=")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(seg)
	}
	if err != nil {
		return nil, errors.New("is not base64url")
	}
	m, ok := object(b)
	if !ok {
		return nil, errors.New("is not a JSON object")
	}
	return m, nil
}

// maxUnix keeps times inside what time.Time and float64 represent exactly
// (the year 36812 is far enough).
const maxUnix = 1 << 40

// time reads a NumericDate claim (RFC 7519 §2): seconds since the epoch,
// an integer or a fraction.
func (c claims) time(name string) (time.Time, error) {
	v, ok := c[name]
	if !ok {
		return time.Time{}, fmt.Errorf("no %q claim", name)
	}
	if !isNumber(v) {
		return time.Time{}, fmt.Errorf("%q claim is not a number", name)
	}
	f, err := strconv.ParseFloat(string(v), 64) // exact for every integer within maxUnix
	if err != nil || f < -maxUnix || f > maxUnix {
		return time.Time{}, fmt.Errorf("%q claim is out of range", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
}

// subject reads "sub", which Prusa Account sends as a numeric user id,
// sometimes as a JSON number.
func (c claims) subject() (string, error) {
	v, ok := c["sub"]
	switch {
	case !ok || string(v) == "null":
		return "", errors.New(`no "sub" claim`)
	case isNumber(v):
		return string(v), nil
	}
	if s, err := jsonString(v); err == nil && s != "" {
		return s, nil
	}
	return "", errors.New(`"sub" claim is not a string or number`)
}

// email reads the user's email: "user.email" as Prusa Account puts it in
// the id token, else a top-level "email" claim (OpenID Connect Core §5.1).
func (c claims) email() (string, error) {
	user, _ := object(c["user"])
	for _, m := range []claims{user, c} {
		if e, err := jsonString(m["email"]); err == nil && e != "" {
			return e, nil
		}
	}
	return "", errors.New("no email claim")
}
