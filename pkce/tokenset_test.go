package pkce

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sdkFile is a token file as the Python SDK writes it (json.dump with
// indent=2), with members this package does not know.
func sdkFile(access, refresh, id string) []byte {
	return []byte(`{
  "access_token": "` + access + `",
  "refresh_token": "` + refresh + `",
  "id_token": "` + id + `",
  "expires_in": 7200,
  "token_type": "Bearer",
  "scope": "basic_info connect user_operations email_lists openid",
  "shared_session_key": "ssk-secret",
  "future_member": {"nested": [1, 2.5, null, "x"], "big": 12345678901234567890},
  "flag": false,
  "note": "caf\u00e9 <&>"
}`)
}

func TestTokenSetRoundTrip(t *testing.T) {
	access := makeJWT(map[string]any{"sub": 1, "exp": 1893456000})
	refresh := makeJWT(map[string]any{"sub": 1, "exp": 1896048000})
	id := makeJWT(map[string]any{"sub": "1", "exp": 1893456000, "user": map[string]any{"email": "a@b.c"}})
	in := sdkFile(access, refresh, id)

	ts, err := ParseTokenSet(in)
	if err != nil {
		t.Fatalf("ParseTokenSet() error = %v", err)
	}
	want := &TokenSet{
		AccessToken:      access,
		RefreshToken:     refresh,
		IDToken:          id,
		ExpiresIn:        7200,
		TokenType:        "Bearer",
		Scope:            testScope,
		SharedSessionKey: "ssk-secret",
		Extra: map[string]json.RawMessage{
			"future_member": json.RawMessage(`{"nested": [1, 2.5, null, "x"], "big": 12345678901234567890}`),
			"flag":          json.RawMessage(`false`),
			"note":          json.RawMessage(`"caf\u00e9 <&>"`),
		},
	}
	if diff := cmp.Diff(want, ts); diff != "" {
		t.Errorf("ParseTokenSet() mismatch (-want +got):\n%s", diff)
	}

	out, err := json.Marshal(ts)
	if err != nil {
		t.Fatalf("json.Marshal() error = %v", err)
	}
	// Same members, same values, no member of our own.
	if diff := cmp.Diff(decodeGeneric(t, in), decodeGeneric(t, out)); diff != "" {
		t.Errorf("round trip changed the JSON (-in +out):\n%s", diff)
	}
	// The SDK's key order, then unknown members sorted; unknown values
	// verbatim (json.Marshal itself then escapes <&> as \u003c...).
	raw, err := ts.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON() error = %v", err)
	}
	for _, want := range []string{
		`{"access_token":"`,
		`","refresh_token":"`,
		`","id_token":"`,
		`","expires_in":7200,"token_type":"Bearer","scope":"basic_info connect user_operations email_lists openid","shared_session_key":"ssk-secret","flag":false,"future_member":{"nested":[1,2.5,null,"x"],"big":12345678901234567890},"note":"caf\u00e9 <&>"}`,
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("MarshalJSON() = %s, want it to contain %s", raw, want)
		}
	}
	// Indented output, as a store may write it, parses back the same.
	indented, err := json.MarshalIndent(ts, "", "  ")
	if err != nil {
		t.Fatalf("json.MarshalIndent() error = %v", err)
	}
	again, err := ParseTokenSet(indented)
	if err != nil {
		t.Fatalf("ParseTokenSet(indented) error = %v", err)
	}
	if again.AccessToken != ts.AccessToken || len(again.Extra) != len(ts.Extra) {
		t.Errorf("ParseTokenSet(indented) = %v, want %v", again, ts)
	}
}

// TestTokenSetMarshalMinimal checks that nothing is added: a set with only
// an access token marshals to one member.
func TestTokenSetMarshalMinimal(t *testing.T) {
	out, err := json.Marshal(TokenSet{AccessToken: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `{"access_token":"a"}`; got != want {
		t.Errorf("json.Marshal() = %s, want %s", got, want)
	}
	// Extra cannot override a known member, and bad raw JSON is an error.
	out, err = json.Marshal(TokenSet{AccessToken: "a", Extra: map[string]json.RawMessage{"access_token": json.RawMessage(`"b"`)}})
	if err != nil || string(out) != `{"access_token":"a"}` {
		t.Errorf("json.Marshal(Extra access_token) = %s, %v, want {\"access_token\":\"a\"}", out, err)
	}
	if _, err := json.Marshal(TokenSet{Extra: map[string]json.RawMessage{"x": json.RawMessage(`{`)}}); err == nil {
		t.Error("json.Marshal(invalid Extra) = nil error, want one")
	}
}

func decodeGeneric(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

func TestParseTokenSetLenient(t *testing.T) {
	tests := []struct {
		in   string
		want *TokenSet
	}{
		{`{}`, &TokenSet{}},
		{`{"access_token":null,"id_token":null,"scope":null,"expires_in":null}`, &TokenSet{}},
		{`{"expires_in":7200.0}`, &TokenSet{ExpiresIn: 7200}},
		{`{"expires_in":7199.9}`, &TokenSet{ExpiresIn: 7199}},
		{`{"expires_in":-1}`, &TokenSet{ExpiresIn: -1}},
		{`{"scope":["openid","connect"]}`, &TokenSet{Scope: "openid connect"}},
		{` {"token_type":"bearer"} `, &TokenSet{TokenType: "bearer"}},
	}
	for _, tt := range tests {
		got, err := ParseTokenSet([]byte(tt.in))
		if err != nil {
			t.Errorf("ParseTokenSet(%q) error = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseTokenSet(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseTokenSetErrors(t *testing.T) {
	const secret = "eyJSECRETTOKEN"
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ``},
		{"null", `null`},
		{"array", `[{"access_token":"` + secret + `"}]`},
		{"string", `"` + secret + `"`},
		{"truncated", `{"access_token":"` + secret},
		{"trailing data", `{"access_token":"` + secret + `"} {}`},
		{"number access_token", `{"access_token":1}`},
		{"object refresh_token", `{"access_token":"` + secret + `","refresh_token":{"t":"` + secret + `"}}`},
		{"string expires_in", `{"expires_in":"7200"}`},
		{"huge expires_in", `{"expires_in":1e400}`},
		{"bool scope", `{"scope":true}`},
		{"number list scope", `{"scope":[1,2]}`},
		{"number shared_session_key", `{"shared_session_key":5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenSet([]byte(tt.in))
			if !errors.Is(err, ErrInvalidTokenSet) {
				t.Fatalf("ParseTokenSet(%q) = %v, %v, want ErrInvalidTokenSet", tt.in, got, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("ParseTokenSet(%q) error %q contains the token", tt.in, err)
			}
		})
	}
}

// jwtWith builds a JWT whose payload segment is enc(payload).
func jwtWith(enc *base64.Encoding, payload string) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`))
	return h + "." + enc.EncodeToString([]byte(payload)) + ".c2ln"
}

func TestClaims(t *testing.T) {
	// "???~~~" encodes with '/' and '+' in standard base64.
	std := jwtWith(base64.StdEncoding, `{"exp":1893456000,"sub":"42","x":"???~~~"}`)
	if !strings.ContainsAny(strings.Split(std, ".")[1], "+/") {
		t.Fatalf("test token %q has no +/ in its payload", std)
	}
	tests := []struct {
		name      string
		token     string
		wantExp   time.Time // zero: want an error
		wantSub   string    // "": want an error
		wantEmail string    // "": want an error
	}{
		{
			name:      "plain",
			token:     makeJWT(map[string]any{"exp": 1893456000, "sub": "1234", "user": map[string]any{"email": "a@b.c"}}),
			wantExp:   time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			wantSub:   "1234",
			wantEmail: "a@b.c",
		},
		{
			name:      "padded base64url",
			token:     jwtWith(base64.URLEncoding, `{"exp":1893456000,"sub":"1","email":"top@b.c"}`),
			wantExp:   time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			wantSub:   "1",
			wantEmail: "top@b.c",
		},
		{
			name:    "standard base64 with padding",
			token:   std,
			wantExp: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			wantSub: "42",
		},
		{
			name:    "float exp, numeric sub",
			token:   jwtWith(base64.RawURLEncoding, `{"exp":1893456000.25,"sub":1234}`),
			wantExp: time.Date(2030, 1, 1, 0, 0, 0, 250e6, time.UTC),
			wantSub: "1234",
		},
		{
			name:    "exponent exp",
			token:   jwtWith(base64.RawURLEncoding, `{"exp":1.893456e9,"sub":"1"}`),
			wantExp: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			wantSub: "1",
		},
		{
			name:      "user email wins over top-level",
			token:     jwtWith(base64.RawURLEncoding, `{"email":"top@b.c","user":{"email":"user@b.c"}}`),
			wantEmail: "user@b.c",
		},
		{
			name:      "empty user email falls back",
			token:     jwtWith(base64.RawURLEncoding, `{"email":"top@b.c","user":{"email":""}}`),
			wantEmail: "top@b.c",
		},
		{name: "string exp", token: jwtWith(base64.RawURLEncoding, `{"exp":"1893456000","sub":true}`)},
		{name: "huge exp", token: jwtWith(base64.RawURLEncoding, `{"exp":1e300,"sub":""}`)},
		{name: "null exp", token: jwtWith(base64.RawURLEncoding, `{"exp":null,"user":"x"}`)},
		{name: "two parts", token: "eyJhIjoxfQ.eyJhIjoxfQ"},
		{name: "five parts (JWE)", token: "a.b.c.d.e"},
		{name: "empty", token: ""},
		{name: "not base64", token: "eyJhIjoxfQ.!!!.c2ln"},
		{name: "payload array", token: jwtWith(base64.RawURLEncoding, `[{"exp":1}]`)},
		{name: "payload null", token: jwtWith(base64.RawURLEncoding, `null`)},
		{name: "payload trailing", token: jwtWith(base64.RawURLEncoding, `{"exp":1} {}`)},
		{name: "header not JSON", token: "bm9wZQ." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1}`)) + ".c2ln"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := TokenSet{AccessToken: tt.token, IDToken: tt.token}
			exp, err := ts.AccessExpiry()
			if tt.wantExp.IsZero() {
				if err == nil {
					t.Errorf("AccessExpiry() = %v, want an error", exp)
				}
			} else if err != nil || !exp.Equal(tt.wantExp) {
				t.Errorf("AccessExpiry() = %v, %v, want %v", exp, err, tt.wantExp)
			}
			if iexp, ierr := ts.IDTokenExpiry(); !iexp.Equal(exp) || (ierr == nil) != (err == nil) {
				t.Errorf("IDTokenExpiry() = %v, %v, want %v, %v", iexp, ierr, exp, err)
			}
			sub, err := ts.Subject()
			if tt.wantSub == "" {
				if err == nil {
					t.Errorf("Subject() = %q, want an error", sub)
				}
			} else if err != nil || sub != tt.wantSub {
				t.Errorf("Subject() = %q, %v, want %q", sub, err, tt.wantSub)
			}
			email, err := ts.Email()
			if tt.wantEmail == "" {
				if err == nil {
					t.Errorf("Email() = %q, want an error", email)
				}
			} else if err != nil || email != tt.wantEmail {
				t.Errorf("Email() = %q, %v, want %q", email, err, tt.wantEmail)
			}
		})
	}
}

func TestSubjectFallsBackToIDToken(t *testing.T) {
	ts := TokenSet{
		AccessToken: makeJWT(map[string]any{"exp": 1}),
		IDToken:     makeJWT(map[string]any{"sub": "77"}),
	}
	if sub, err := ts.Subject(); err != nil || sub != "77" {
		t.Errorf("Subject() = %q, %v, want %q", sub, err, "77")
	}
}

func TestRefreshExpiry(t *testing.T) {
	jwt := TokenSet{RefreshToken: makeJWT(map[string]any{"exp": 1893456000})}
	if got, err := jwt.RefreshExpiry(); err != nil || got.Unix() != 1893456000 {
		t.Errorf("RefreshExpiry() = %v, %v, want 2030-01-01", got, err)
	}
	opaque := TokenSet{RefreshToken: "opaque-refresh-token"}
	if got, err := opaque.RefreshExpiry(); err == nil || strings.Contains(err.Error(), opaque.RefreshToken) {
		t.Errorf("RefreshExpiry(opaque) = %v, %v, want an error without the token", got, err)
	}
}

func TestValidate(t *testing.T) {
	good := TokenSet{
		AccessToken:  makeJWT(map[string]any{"exp": 1}), // long expired: still refreshable
		RefreshToken: "opaque-refresh",
		IDToken:      makeJWT(map[string]any{"sub": "1"}),
	}
	tests := []struct {
		name   string
		modify func(*TokenSet)
		want   string // "" = valid; else in the error
	}{
		{"valid", func(*TokenSet) {}, ""},
		{"no id token", func(ts *TokenSet) { ts.IDToken = "" }, ""},
		{"no access token", func(ts *TokenSet) { ts.AccessToken = "" }, "access_token is missing"},
		{"opaque access token", func(ts *TokenSet) { ts.AccessToken = "opaque-access-secret" }, "access_token: not a JWT"},
		{"access token without exp", func(ts *TokenSet) { ts.AccessToken = makeJWT(map[string]any{"sub": "1"}) }, `access_token: no "exp" claim`},
		{"no refresh token", func(ts *TokenSet) { ts.RefreshToken = "" }, "refresh_token is missing"},
		{"bad id token", func(ts *TokenSet) { ts.IDToken = "id.secret" }, "id_token: not a JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := good
			tt.modify(&ts)
			err := ts.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidTokenSet) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want ErrInvalidTokenSet mentioning %q", err, tt.want)
			}
			for _, s := range []string{ts.AccessToken, ts.RefreshToken, ts.IDToken} {
				if len(s) > 4 && strings.Contains(err.Error(), s) {
					t.Errorf("Validate() error %q contains a token", err)
				}
			}
		})
	}
}

func TestMerge(t *testing.T) {
	old := TokenSet{
		AccessToken: "a1", RefreshToken: "r1", IDToken: "i1", ExpiresIn: 7200,
		TokenType: "Bearer", Scope: "openid", SharedSessionKey: "k1",
		Extra: map[string]json.RawMessage{"keep": json.RawMessage(`1`), "both": json.RawMessage(`"old"`)},
	}
	newer := &TokenSet{
		AccessToken: "a2", RefreshToken: "r2", ExpiresIn: 3600,
		Extra: map[string]json.RawMessage{"both": json.RawMessage(`"new"`), "added": json.RawMessage(`true`)},
	}
	got := old.Merge(newer)
	want := &TokenSet{
		AccessToken: "a2", RefreshToken: "r2", IDToken: "i1", ExpiresIn: 3600,
		TokenType: "Bearer", Scope: "openid", SharedSessionKey: "k1",
		Extra: map[string]json.RawMessage{
			"keep":  json.RawMessage(`1`),
			"both":  json.RawMessage(`"new"`),
			"added": json.RawMessage(`true`),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Merge() mismatch (-want +got):\n%s", diff)
	}
	if string(old.Extra["both"]) != `"old"` || len(old.Extra) != 2 {
		t.Errorf("Merge() modified the receiver's Extra: %v", old.Extra)
	}
	if diff := cmp.Diff(&old, old.Merge(nil)); diff != "" {
		t.Errorf("Merge(nil) mismatch (-want +got):\n%s", diff)
	}
	if got := (TokenSet{}).Merge(&TokenSet{Extra: map[string]json.RawMessage{"x": json.RawMessage(`1`)}}); len(got.Extra) != 1 {
		t.Errorf("Merge() into a set without Extra = %v, want 1 member", got.Extra)
	}
}

func TestTokenSetRedacts(t *testing.T) {
	ts := TokenSet{
		AccessToken:      "ACCESS-SECRET-aaaaaaaaaaaa",
		RefreshToken:     "REFRESH-SECRET-bbbbbbbbbbb",
		IDToken:          "ID-SECRET-ccccccccccccccccc",
		SharedSessionKey: "SSK-SECRET-ddddddddddddddd",
		ExpiresIn:        7200,
		TokenType:        "Bearer",
		Scope:            "openid",
		Extra:            map[string]json.RawMessage{"x": json.RawMessage(`"EXTRA-SECRET"`)},
	}
	secrets := []string{ts.AccessToken, ts.RefreshToken, ts.IDToken, ts.SharedSessionKey, "EXTRA-SECRET", "SECRET"}
	type wrapper struct{ Session TokenSet }

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.4v", "%-8s"} {
		for _, arg := range []any{ts, &ts, []TokenSet{ts}, map[string]*TokenSet{"k": &ts}, wrapper{ts}, &wrapper{ts}} {
			outputs = append(outputs, verb+" "+fmt.Sprintf(verb, arg))
		}
	}
	outputs = append(outputs, fmt.Sprint(ts), fmt.Sprintln(&ts), ts.String(), ts.GoString())
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Info("refreshed", "tokens", ts, "ptr", &ts)
		outputs = append(outputs, buf.String())
	}
	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) || strings.Contains(strings.ToLower(out), hex.EncodeToString([]byte(s))) {
				t.Errorf("output %q reveals %q", out, s)
			}
		}
	}
	if got, want := ts.String(), "TokenSet{access_token:"+fingerprint(ts.AccessToken); !strings.HasPrefix(got, want) {
		t.Errorf("String() = %q, want prefix %q", got, want)
	}
	if got := fingerprint(ts.AccessToken); !strings.HasPrefix(got, "[redacted sha256:") || len(got) != len("[redacted sha256:12345678]") {
		t.Errorf("fingerprint() = %q, want [redacted sha256:<8 hex>]", got)
	}
	if fingerprint("a") == fingerprint("b") {
		t.Error("fingerprint() does not tell tokens apart")
	}
}

func TestLoginInputRedacts(t *testing.T) {
	in := LoginInput{Email: "someone@example.com", Password: "PASSWORD-SECRET"}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outputs = append(outputs, fmt.Sprintf(verb, in), fmt.Sprintf(verb, &in))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("login", "input", in)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		for _, s := range []string{in.Email, in.Password, "someone", "SECRET"} {
			if strings.Contains(out, s) {
				t.Errorf("output %q reveals %q", out, s)
			}
		}
	}
}

func FuzzParseTokenSet(f *testing.F) {
	f.Add(sdkFile(makeJWT(map[string]any{"exp": 1}), "r", makeJWT(map[string]any{"sub": "1"})))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"expires_in":7200.5,"scope":["a","b"],"x":null}`))
	f.Add([]byte(`{"access_token":null,"a":{"b":[1,{"c":"\u0000"}]}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ParseTokenSet(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidTokenSet) {
				t.Fatalf("ParseTokenSet() error %v does not wrap ErrInvalidTokenSet", err)
			}
			return
		}
		_ = ts.Validate()
		_ = ts.String()
		out, err := json.Marshal(ts)
		if err != nil {
			t.Fatalf("json.Marshal(parsed) error = %v", err)
		}
		ts2, err := ParseTokenSet(out)
		if err != nil {
			t.Fatalf("ParseTokenSet(%s) error = %v", out, err)
		}
		out2, err := json.Marshal(ts2)
		if err != nil {
			t.Fatalf("json.Marshal(reparsed) error = %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal is not stable:\n%s\n%s", out, out2)
		}
	})
}

func FuzzParseClaims(f *testing.F) {
	f.Add(makeJWT(map[string]any{"exp": 1893456000, "sub": 1, "user": map[string]any{"email": "a@b.c"}}))
	f.Add(jwtWith(base64.URLEncoding, `{"exp":1.5e9,"sub":"1"}`))
	f.Add(jwtWith(base64.StdEncoding, `{"x":"???~~~","exp":-1}`))
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJ9.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := parseClaims(token)
		if err != nil {
			// Messages have no dots, so a token with one cannot hide in them.
			if strings.Contains(token, ".") && strings.Contains(err.Error(), token) {
				t.Fatalf("parseClaims error %q contains the token", err)
			}
			return
		}
		if exp, err := c.time("exp"); err == nil && (exp.Unix() < -maxUnix || exp.Unix() > maxUnix) {
			t.Fatalf("exp %v out of range", exp)
		}
		c.subject()
		c.email()
		ts := TokenSet{AccessToken: token, IDToken: token, RefreshToken: token}
		ts.AccessExpiry()
		ts.Email()
		ts.Subject()
		ts.Validate()
	})
}

// TestJSONString: the fast path for strings without escapes reads what
// encoding/json reads.
func TestJSONString(t *testing.T) {
	for _, raw := range []string{`"eyJ.a-b_c"`, `""`, `"a\"b"`, `"\u00e9t\u00e9"`, `"été"`, "\"\xff\xfe\"", `"a\\b"`, `null`} {
		var want string
		json.Unmarshal([]byte(raw), &want)
		got, err := jsonString(json.RawMessage(raw))
		if err != nil || got != want {
			t.Errorf("jsonString(%q) = %q, %v; encoding/json reads %q", raw, got, err, want)
		}
	}
}
