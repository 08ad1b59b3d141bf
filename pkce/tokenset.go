package pkce

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// TokenSet is a Prusa Account session: the token response of RFC 6749
// §5.1 as Prusa Account sends it, and as the Prusa Connect Python SDK
// stores it. Its JSON form uses the SDK's keys, so that both tools can
// share one file.
//
// No expiry timestamp is stored: each token's expiry is its JWT "exp"
// claim (see AccessExpiry). ExpiresIn is kept only as the server sent it.
//
// A TokenSet holds secrets. Printed with any fmt verb or logged with
// log/slog it shows only a short SHA-256 fingerprint of each token; only
// its JSON form, meant for the session store, carries them. The redaction
// cannot reach a TokenSet in an unexported struct field, which fmt prints
// by reflection.
type TokenSet struct {
	AccessToken      string `json:"access_token,omitempty"`  // a JWT; authorizes Prusa Connect API calls
	RefreshToken     string `json:"refresh_token,omitempty"` // single-use: every refresh returns a new one
	IDToken          string `json:"id_token,omitempty"`      // a JWT (OpenID Connect) naming the user; may be empty
	ExpiresIn        int64  `json:"expires_in,omitempty"`    // seconds, as the server sent them; 0 if absent
	TokenType        string `json:"token_type,omitempty"`    // "Bearer"
	Scope            string `json:"scope,omitempty"`         // space-separated scopes, as the server sent them
	SharedSessionKey string `json:"shared_session_key,omitempty"`

	// Extra holds the JSON members this package does not know, verbatim,
	// so that rewriting a file another tool wrote keeps them. Members
	// named like a field above are ignored when marshalling.
	Extra map[string]json.RawMessage `json:"-"`
}

// The JSON keys of TokenSet.
const (
	keyAccessToken      = "access_token"
	keyRefreshToken     = "refresh_token"
	keyIDToken          = "id_token"
	keyExpiresIn        = "expires_in"
	keyTokenType        = "token_type"
	keyScope            = "scope"
	keySharedSessionKey = "shared_session_key"
)

// isKnownKey reports whether k names a field of TokenSet, for
// maps.DeleteFunc.
func isKnownKey(k string, _ json.RawMessage) bool {
	switch k {
	case keyAccessToken, keyRefreshToken, keyIDToken, keyExpiresIn,
		keyTokenType, keyScope, keySharedSessionKey:
		return true
	}
	return false
}

// ParseTokenSet parses a token-set JSON object, as the Python SDK writes
// it, a token endpoint returns it, or PRUSA_TOKENS_JSON holds it. Unknown
// members are kept in Extra. It checks the JSON shape only; call Validate
// to check that the set can be used.
func ParseTokenSet(data []byte) (*TokenSet, error) {
	ts := new(TokenSet)
	if err := ts.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return ts, nil
}

// UnmarshalJSON implements json.Unmarshaler; see ParseTokenSet.
func (ts *TokenSet) UnmarshalJSON(data []byte) error {
	members, ok := object(data)
	if !ok {
		return fmt.Errorf("%w: not a JSON object", ErrInvalidTokenSet)
	}
	var out TokenSet
	for key, val := range members {
		var err error
		switch key {
		case keyAccessToken:
			out.AccessToken, err = jsonString(val)
		case keyRefreshToken:
			out.RefreshToken, err = jsonString(val)
		case keyIDToken:
			out.IDToken, err = jsonString(val)
		case keyExpiresIn:
			out.ExpiresIn, err = jsonInt(val)
		case keyTokenType:
			out.TokenType, err = jsonString(val)
		case keyScope:
			out.Scope, err = jsonScope(val)
		case keySharedSessionKey:
			out.SharedSessionKey, err = jsonString(val)
		}
		if err != nil {
			return fmt.Errorf("%w: %q %v", ErrInvalidTokenSet, key, err)
		}
	}
	maps.DeleteFunc(members, isKnownKey)
	for key, val := range members {
		members[key] = bytes.Clone(val) // not a slice of the caller's data
	}
	if len(members) > 0 {
		out.Extra = members
	}
	*ts = out
	return nil
}

// jsonString reads a string; null is "", as json.Unmarshal reads it.
func jsonString(v json.RawMessage) (string, error) {
	// A member of a document that parsed: a string without escapes is
	// its bytes between the quotes (a token is a kilobyte or two, and
	// read on every get).
	if n := len(v); n >= 2 && v[0] == '"' && v[n-1] == '"' && !bytes.ContainsRune(v[1:n-1], '\\') && utf8.Valid(v[1:n-1]) {
		return string(v[1 : n-1]), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", errors.New("is not a string")
	}
	return s, nil
}

// jsonInt reads a number; a fraction is cut off (expires_in is only
// informative).
func jsonInt(v json.RawMessage) (int64, error) {
	if string(v) == "null" {
		return 0, nil
	}
	if !isNumber(v) {
		return 0, errors.New("is not a number")
	}
	n := json.Number(v)
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, errors.New("is out of range")
	}
	return int64(f), nil
}

// jsonScope reads the space-separated scope string, or a list of scopes,
// which it joins.
func jsonScope(v json.RawMessage) (string, error) {
	if s, err := jsonString(v); err == nil {
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		return "", errors.New("is not a string or a list of strings")
	}
	return strings.Join(list, " "), nil
}

// MarshalJSON implements json.Marshaler. It writes the known fields that
// are set (zero values are left out, as the Python SDK does), in the SDK's
// order, then the members of Extra sorted by key. The output contains
// the tokens: write it only to the session store.
func (ts TokenSet) MarshalJSON() ([]byte, error) {
	// plain has the fields, in the SDK's order and with its keys, and not this method.
	type plain TokenSet
	b, _ := marshal(plain(ts)) // strings and an integer always encode
	extra := maps.Clone(ts.Extra)
	maps.DeleteFunc(extra, isKnownKey)
	if len(extra) == 0 {
		return b, nil
	}
	e, err := marshal(extra) // sorted by key, compacted
	if err != nil {
		return nil, err
	}
	if len(b) == len("{}") {
		return e, nil
	}
	return append(append(b[:len(b)-1], ','), e[1:]...), nil
}

// marshal is json.Marshal without escaping <, > and & for HTML.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// Validate checks that the set can be used and refreshed: the access
// token is a JWT with an "exp" claim, a refresh token is present, and the
// id token, if any, is a JWT. It does not check expiry: an expired access
// token is fine as long as it can be refreshed.
func (ts TokenSet) Validate() error {
	if err := ts.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidTokenSet, err)
	}
	return nil
}

func (ts TokenSet) check() error {
	if _, err := ts.AccessExpiry(); err != nil {
		return err
	}
	if ts.RefreshToken == "" {
		return errors.New("refresh_token is missing")
	}
	if ts.IDToken != "" {
		if _, err := parseClaims(ts.IDToken); err != nil {
			return fmt.Errorf("id_token: %w", err)
		}
	}
	return nil
}

// claim reads a claim with read from the token called name.
func claim[T any](name, token string, read func(claims) (T, error)) (T, error) {
	var v T
	if token == "" {
		return v, fmt.Errorf("%s is missing", name)
	}
	c, err := parseClaims(token)
	if err == nil {
		if v, err = read(c); err == nil {
			return v, nil
		}
	}
	return v, fmt.Errorf("%s: %w", name, err)
}

func expiry(c claims) (time.Time, error) { return c.time("exp") }

// AccessExpiry returns the "exp" claim of the access token, in UTC.
func (ts TokenSet) AccessExpiry() (time.Time, error) {
	return claim(keyAccessToken, ts.AccessToken, expiry)
}

// IDTokenExpiry returns the "exp" claim of the id token, in UTC.
func (ts TokenSet) IDTokenExpiry() (time.Time, error) {
	return claim(keyIDToken, ts.IDToken, expiry)
}

// RefreshExpiry returns the "exp" claim of the refresh token when the
// refresh token is a JWT with one, as Prusa Account issues them today. To
// OAuth a refresh token is opaque, so an error here means "unknown", not
// "expired"; Prusa refresh tokens have lasted about 30 days.
func (ts TokenSet) RefreshExpiry() (time.Time, error) {
	return claim(keyRefreshToken, ts.RefreshToken, expiry)
}

// Email returns the user's email from the id token ("user.email", else a
// top-level "email" claim). Callers that need a user name without an id
// token can fall back to Subject.
func (ts TokenSet) Email() (string, error) {
	return claim(keyIDToken, ts.IDToken, claims.email)
}

// Subject returns the Prusa Account user id: the "sub" claim of the access
// token, else of the id token.
func (ts TokenSet) Subject() (string, error) {
	sub, err := claim(keyAccessToken, ts.AccessToken, claims.subject)
	if err != nil && ts.IDToken != "" {
		if sub, ierr := claim(keyIDToken, ts.IDToken, claims.subject); ierr == nil {
			return sub, nil
		}
	}
	return sub, err
}

// Merge returns ts updated with newer, the way the Python SDK folds a
// refresh response into the stored set: every field newer sets replaces
// the one in ts, fields newer leaves empty keep ts's value, and Extra is
// the union (newer wins). Use it to keep unknown members and an id token
// across a refresh: stored.Merge(refreshed).
func (ts TokenSet) Merge(newer *TokenSet) *TokenSet {
	out := ts
	out.Extra = maps.Clone(ts.Extra)
	if newer == nil {
		return &out
	}
	out.AccessToken = cmp.Or(newer.AccessToken, ts.AccessToken)
	out.RefreshToken = cmp.Or(newer.RefreshToken, ts.RefreshToken)
	out.IDToken = cmp.Or(newer.IDToken, ts.IDToken)
	out.ExpiresIn = cmp.Or(newer.ExpiresIn, ts.ExpiresIn)
	out.TokenType = cmp.Or(newer.TokenType, ts.TokenType)
	out.Scope = cmp.Or(newer.Scope, ts.Scope)
	out.SharedSessionKey = cmp.Or(newer.SharedSessionKey, ts.SharedSessionKey)
	if len(newer.Extra) > 0 && out.Extra == nil {
		out.Extra = make(map[string]json.RawMessage, len(newer.Extra))
	}
	maps.Copy(out.Extra, newer.Extra)
	return &out
}

// fingerprint stands for a secret in printed output: "[redacted]" and the
// first 4 bytes of its SHA-256, enough to tell two tokens apart and far
// too little to recover one.
func fingerprint(secret string) string {
	if secret == "" {
		return "none"
	}
	sum := sha256.Sum256([]byte(secret))
	return "[redacted sha256:" + hex.EncodeToString(sum[:4]) + "]"
}

// String returns a redacted description: fingerprints instead of tokens.
func (ts TokenSet) String() string {
	return fmt.Sprintf("TokenSet{access_token:%s refresh_token:%s id_token:%s shared_session_key:%s expires_in:%d token_type:%q scope:%q}",
		fingerprint(ts.AccessToken), fingerprint(ts.RefreshToken), fingerprint(ts.IDToken),
		fingerprint(ts.SharedSessionKey), ts.ExpiresIn, ts.TokenType, ts.Scope)
}

// GoString returns a redacted Go-syntax-like description, for %#v.
func (ts TokenSet) GoString() string {
	return fmt.Sprintf("pkce.TokenSet{AccessToken:%q, RefreshToken:%q, IDToken:%q, ExpiresIn:%d, TokenType:%q, Scope:%q, SharedSessionKey:%q, Extra:<%d members>}",
		fingerprint(ts.AccessToken), fingerprint(ts.RefreshToken), fingerprint(ts.IDToken),
		ts.ExpiresIn, ts.TokenType, ts.Scope, fingerprint(ts.SharedSessionKey), len(ts.Extra))
}

// Format implements fmt.Formatter so that every verb, not only %v and %s,
// prints the redacted form.
func (ts TokenSet) Format(f fmt.State, verb rune) { formatRedacted(f, verb, ts.String, ts.GoString) }

// formatRedacted prints goString for %#v and str for any other verb.
func formatRedacted(f fmt.State, verb rune, str, goString func() string) {
	if verb == 'v' && f.Flag('#') {
		str = goString
	}
	io.WriteString(f, str())
}

// LogValue implements slog.LogValuer with fingerprints instead of tokens.
func (ts TokenSet) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String(keyAccessToken, fingerprint(ts.AccessToken)),
		slog.String(keyRefreshToken, fingerprint(ts.RefreshToken)),
		slog.String(keyIDToken, fingerprint(ts.IDToken)),
		slog.String(keySharedSessionKey, fingerprint(ts.SharedSessionKey)),
		slog.Int64(keyExpiresIn, ts.ExpiresIn),
		slog.String(keyTokenType, ts.TokenType),
		slog.String(keyScope, ts.Scope),
	)
}

// tokenSet reads what x/oauth2 got from the token endpoint: an error or
// an answer to check. x/oauth2 keeps only access_token, token_type,
// refresh_token and expires_in as fields; the rest is in Token.Extra.
func (c *Client) tokenSet(tok *oauth2.Token, err error, refresh bool) (*TokenSet, error) {
	if err != nil {
		return nil, c.tokenError(err, refresh)
	}
	ts := &TokenSet{
		AccessToken:      tok.AccessToken,
		IDToken:          extraString(tok, keyIDToken),
		ExpiresIn:        tok.ExpiresIn,
		TokenType:        tok.TokenType,
		Scope:            extraString(tok, keyScope),
		SharedSessionKey: extraString(tok, keySharedSessionKey),
	}
	// On a refresh, x/oauth2 copies the request's refresh token into a
	// response that has none; a Prusa response always rotates it, so
	// read what the server really sent.
	if extraString(tok, keyRefreshToken) != "" {
		ts.RefreshToken = tok.RefreshToken
	}
	if ts.ExpiresIn == 0 {
		// x/oauth2 leaves ExpiresIn zero for form-encoded answers and
		// for values it cannot read as an integer; Extra holds the raw
		// value (float64 from JSON, int64 from a form).
		switch v := tok.Extra(keyExpiresIn).(type) {
		case float64:
			if v > 0 && v < math.MaxInt32 {
				ts.ExpiresIn = int64(v)
			}
		case int64:
			ts.ExpiresIn = v
		}
	}
	if list, ok := tok.Extra(keyScope).([]any); ok && ts.Scope == "" {
		var scopes []string
		for _, s := range list {
			if s, ok := s.(string); ok {
				scopes = append(scopes, s)
			}
		}
		ts.Scope = strings.Join(scopes, " ")
	}
	if err := ts.check(); err != nil {
		return nil, &InvalidResponseError{Reason: err.Error()}
	}
	// An access token that has already expired is no answer: it could only
	// be handed out expired (the README promises never to), and the caller
	// keeps what it had.
	if exp, _ := ts.AccessExpiry(); !exp.After(c.now()) {
		return nil, &InvalidResponseError{Reason: "the access token expired at " + exp.UTC().Format("2006-01-02 15:04:05 UTC") + ", before it was received"}
	}
	return ts, nil
}

// extraString returns a string member of the token response. From a
// form-encoded answer x/oauth2 returns digits as int64.
func extraString(tok *oauth2.Token, key string) string {
	switch v := tok.Extra(key).(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}
