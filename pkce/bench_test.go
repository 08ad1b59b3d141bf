package pkce_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// benchJWT builds an unsigned-but-well-formed RS256 JWT whose claims and
// signature have the sizes Prusa Account's tokens have (a 2048-bit RSA
// signature is 256 bytes), so that the benchmarks decode what a real get
// decodes.
func benchJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"bench"}`))
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	sig := enc.EncodeToString([]byte(strings.Repeat("s", 256)))
	return header + "." + enc.EncodeToString(payload) + "." + sig
}

// benchTokenFile is a session file as the Python SDK and the helper write
// it: the token response of Prusa Account.
func benchTokenFile() []byte {
	exp := time.Now().Add(2 * time.Hour).Unix()
	access := benchJWT(map[string]any{
		"jti": "7f0c3a6e9b2d4c1e8a5f6b7c8d9e0f1a", "sub": 123456, "exp": exp,
		"sid": "5b1f2e3d4c5b6a79", "app": "MRHTlZhZqkNrrQ6FUPtjyusAz8nc59ErHXP8XkS4",
		"type": "access", "connect_id": 654321,
	})
	refresh := benchJWT(map[string]any{
		"jti": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d", "sub": 123456,
		"exp": time.Now().Add(30 * 24 * time.Hour).Unix(), "type": "refresh",
	})
	id := benchJWT(map[string]any{
		"jti": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "sub": 123456, "exp": exp,
		"aud": "MRHTlZhZqkNrrQ6FUPtjyusAz8nc59ErHXP8XkS4", "iss": "https://account.prusa3d.com",
		"user": map[string]any{
			"email": "maker@example.com", "first_name": "Test", "last_name": "User",
			"public_name": "maker", "avatar": "", "locale": "en",
		},
	})
	data, err := json.Marshal(map[string]any{
		"access_token": access, "refresh_token": refresh, "id_token": id,
		"expires_in": 7200, "token_type": "Bearer",
		"scope":              "basic_info connect user_operations email_lists openid",
		"shared_session_key": "c2hhcmVkLXNlc3Npb24ta2V5",
	})
	if err != nil {
		panic(err)
	}
	return data
}

// BenchmarkParseTokenSet is the parse of the session file that every get
// for a Prusa host does.
func BenchmarkParseTokenSet(b *testing.B) {
	data := benchTokenFile()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pkce.ParseTokenSet(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccessExpiry is one JWT claim read: decode the access token's
// payload and read "exp".
func BenchmarkAccessExpiry(b *testing.B) {
	ts, err := pkce.ParseTokenSet(benchTokenFile())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.AccessExpiry(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmail reads the user name git is given: "user.email" of the id
// token.
func BenchmarkEmail(b *testing.B) {
	ts, err := pkce.ParseTokenSet(benchTokenFile())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.Email(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFreshSession is everything a fresh get does with the session
// once the file is read: parse it, check the access token's expiry and
// read the user name. A fresh get reads the access token's claims more
// than once today (freshness, then the answer's expiry), which this
// mirrors.
func BenchmarkFreshSession(b *testing.B) {
	data := benchTokenFile()
	b.ReportAllocs()
	for b.Loop() {
		ts, err := pkce.ParseTokenSet(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ts.AccessExpiry(); err != nil {
			b.Fatal(err)
		}
		if _, err := ts.AccessExpiry(); err != nil {
			b.Fatal(err)
		}
		if _, err := ts.Email(); err != nil {
			b.Fatal(err)
		}
	}
}
