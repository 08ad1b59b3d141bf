// Package totp computes RFC 6238 time-based one-time passwords: the
// six-digit 2FA codes of authenticator apps. Both the Prusa Account client
// (pkce) and its fake (pkce/pkcetest) use it, so that the fake does not
// import the client it tests.
package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrBadSecret reports a TOTP seed that is not valid base32.
var ErrBadSecret = errors.New("2FA secret is not valid base32")

// Code returns the six-digit time-based one-time password for the base32
// seed secret at time t, as RFC 6238 defines it with the parameters every
// authenticator app uses: HMAC-SHA1, a 30-second step counted from the Unix
// epoch (RFC 6238 §4) and the dynamic truncation of RFC 4226 §5.3.
//
// The seed may be written in lower case, with spaces or dashes between
// groups and with or without "=" padding, as authenticator set-up pages
// show it. The error never contains the secret.
func Code(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(t.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000), nil
}

func decodeSecret(secret string) ([]byte, error) {
	s := strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.ToUpper(secret))
	s = strings.TrimRight(s, "=")
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, ErrBadSecret
	}
	return key, nil
}
