package pkce

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// objectSeeds are documents object must read as encoding/json does:
// escapes in keys and values, nesting, numbers and literals at the end of
// an object, repeated keys, white space everywhere, and non-objects.
var objectSeeds = []string{
	`{}`,
	` { "a" : 1 , "b":"x" } `,
	`{"access_token":"eyJ.eyJ.sig","expires_in":3600,"scope":["a","b"],"x":null}`,
	`{"k\"ey":"v\\\"al","\u00e9":"\ud83d\ude00","n":-1.5e3}`,
	`{"user":{"email":"a@b","ids":[1,{"x":"}"}]},"t":true,"f":false}`,
	`{"a":1,"a":2}`,
	"{\n\t\"a\"\r\n:\t[ ]\n}",
	`{"a":"]}\\"}`,
	`[1,2]`, `"str"`, `null`, `12`, `{"a":1}x`, `{"a":}`, `{"a" 1}`, ``, `{`,
	"{\"bad\xffutf8\":\"\xfe\"}",
}

func TestObject(t *testing.T) {
	for _, doc := range objectSeeds {
		checkObject(t, []byte(doc))
	}
}

func FuzzObject(f *testing.F) {
	for _, doc := range objectSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(checkObject)
}

// checkObject compares object with encoding/json, the oracle.
func checkObject(t *testing.T, data []byte) {
	var want map[string]json.RawMessage
	wantOK := json.Unmarshal(data, &want) == nil && want != nil
	got, ok := object(data)
	if ok != wantOK {
		t.Fatalf("object(%q) ok = %v; encoding/json: %v", data, ok, wantOK)
	}
	if diff := cmp.Diff(want, got); ok && diff != "" {
		t.Errorf("object(%q) differs from encoding/json (-want +got):\n%s", data, diff)
	}
}
