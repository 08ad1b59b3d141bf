package helper

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/credentials"
)

func FuzzDockerRequest(f *testing.F) {
	f.Add("store", `{"ServerURL":"r.example","Username":"u","Secret":"s"}`)
	f.Add("store", `{"ServerURL":"connect.prusa3d.com","Username":"u","Secret":"s"}`)
	f.Add("get", "connect.prusa3d.com\n")
	f.Add("get", "https://connect.prusa3d.com@evil.example/")
	f.Add("erase", "r.example")
	f.Fuzz(func(t *testing.T, action, in string) {
		h, _, st := newTestHelper()
		var out strings.Builder
		err := h.Docker(context.Background(), action, strings.NewReader(in), &out)
		if err != nil && out.Len() != 0 {
			t.Fatalf("%s %q failed (%v) but wrote %q", action, in, err, out.String())
		}
		if errors.Is(err, ErrBadInput) {
			if keys, _ := st.List(""); len(keys) != 0 {
				t.Fatalf("%s %q was refused but stored %q", action, in, keys)
			}
		}
		// The Prusa token reaches only Prusa hosts.
		if strings.Contains(out.String(), "ACCESS.JWT.TOKEN") {
			if action != credentials.ActionGet || !NewHosts().Docker(strings.TrimSpace(in)) {
				t.Fatalf("%s %q answered with the Prusa token", action, in)
			}
		}
	})
}
