package pkce

import (
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/totp"
)

// TOTP returns the six-digit time-based one-time password for the base32
// seed secret at time t, as RFC 6238 defines it with the parameters every
// authenticator app uses (HMAC-SHA1, 30-second steps, six digits). The
// seed may be in lower case, grouped with spaces or dashes, padded or not.
// The error never contains the secret.
func TOTP(secret string, t time.Time) (string, error) { return totp.Code(secret, t) }
