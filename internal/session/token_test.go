package session

import (
	"strings"
	"testing"
)

func TestTokenRedacted(t *testing.T) {
	tok := Token{Username: "u@example.com", AccessToken: "secret-access-token"}
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, tok.AccessToken) {
			t.Errorf("Token printed as %q, which shows the access token", s)
		}
	}
}
