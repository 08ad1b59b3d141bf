package pkce

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestWebLoginRedacts(t *testing.T) {
	w, err := (&Client{}).StartWebLogin()
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("login", "web", w)
	for _, out := range []string{fmt.Sprint(w), fmt.Sprintf("%+v", w), fmt.Sprintf("%#v", w), fmt.Sprintf("%v", *w), fmt.Sprintf("%d", w), logged.String()} {
		if strings.Contains(out, w.verifier) {
			t.Errorf("%q shows the verifier", out)
		}
	}
}
