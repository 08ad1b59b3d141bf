package session

import (
	"go/build"
	"slices"
	"strings"
	"testing"
)

// TestImportsNoUpperLayer checks that imports flow one way (DESIGN §1):
// the session sits below the protocol layer and the command line, so it
// imports neither, not even for a type.
func TestImportsNoUpperLayer(t *testing.T) {
	const module = "github.com/prusa-credential-helper/prusa-credential-helper/"
	upper := []string{module + "helper", module + "internal/cli", module + "cmd/prusa-credential-helper"}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		ctx := build.Default
		ctx.GOOS = goos
		pkg, err := ctx.ImportDir(".", 0)
		if err != nil {
			t.Fatalf("ImportDir(%s) = %v", goos, err)
		}
		for _, imp := range pkg.Imports {
			if slices.ContainsFunc(upper, func(u string) bool { return imp == u || strings.HasPrefix(imp, u+"/") }) {
				t.Errorf("GOOS=%s: package session imports %s, a layer above it", goos, imp)
			}
		}
	}
}

func TestTokenRedacted(t *testing.T) {
	tok := Token{Username: "u@example.com", AccessToken: "secret-access-token"}
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, tok.AccessToken) {
			t.Errorf("Token printed as %q, which shows the access token", s)
		}
	}
}
