package helper

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHostsNames(t *testing.T) {
	tests := []struct {
		name  string
		extra []string
		want  []string
	}{
		{"none", nil, []string{"connect.prusa3d.com", "account.prusa3d.com"}},
		{"a default again, any case, port 443", []string{"https://Account.Prusa3d.com:443/"}, []string{"connect.prusa3d.com", "account.prusa3d.com"}},
		{"extras in order, each once", []string{"https://b.example", "https://A.example", "https://b.example/x"},
			[]string{"connect.prusa3d.com", "account.prusa3d.com", "b.example", "a.example"}},
		{"not https or another port", []string{"http://127.0.0.1:8080", "https://c.example:8443", "https://[::1]", "::"},
			[]string{"connect.prusa3d.com", "account.prusa3d.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHosts(tt.extra...)
			if diff := cmp.Diff(tt.want, h.Names()); diff != "" {
				t.Errorf("NewHosts(%q).Names() (-want +got):\n%s", tt.extra, diff)
			}
			for _, n := range h.Names() {
				if !h.Git("https", n) {
					t.Errorf("NewHosts(%q).Git(https, %q) = false, want true for a name it lists", tt.extra, n)
				}
			}
		})
	}
	h := NewHosts()
	h.Names()[0] = "evil.example"
	if h.Git("https", "evil.example") {
		t.Error("changing the slice Names returned changed the hosts")
	}
}
