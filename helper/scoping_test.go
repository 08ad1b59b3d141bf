package helper

import (
	"context"
	"strings"
	"testing"
)

// TestScoping sends whole requests, as git and docker write them, through
// Helper.Git and Helper.Docker, and checks on both sides who gets the
// Prusa token: exactly the Prusa hosts over https, and nothing that only
// looks like one. A request that is rejected as bad input gets no token
// either.
func TestScoping(t *testing.T) {
	const token = "ACCESS.JWT.TOKEN"
	gitGets := []string{
		"protocol=https\nhost=connect.prusa3d.com\n",
		"protocol=https\nhost=account.prusa3d.com\n",
		"protocol=HTTPS\nhost=CONNECT.Prusa3D.com\n",
		"protocol=https\nhost=connect.prusa3d.com:443\n",
		"protocol=https\nhost=connect.prusa3d.com\npath=prusa/printers.git\n",
		"url=https://connect.prusa3d.com/some/path\n",
		"url=https://connect.prusa3d.com:443/\n",
		"protocol=https\nhost=connect.prusa3d.com\nusername=maker@example.com\n",
	}
	gitNever := []string{
		"protocol=http\nhost=connect.prusa3d.com\n",
		"protocol=https\nhost=connect.prusa3d.com:8443\n",
		"protocol=https\nhost=connect.prusa3d.com:80\n",
		"protocol=https\nhost=connect.prusa3d.com.\n",
		"protocol=https\nhost=connect.prusa3d.com.example.net\n",
		"protocol=https\nhost=example.net\npath=connect.prusa3d.com\n",
		"url=https://example.net/connect.prusa3d.com\n",
		"url=https://connect.prusa3d.com@evil.example/\n",
		"url=https://connect.prusa3d.com:x@evil.example/\n",
		"protocol=https\nhost=connect.prusa3d.com@evil.example\n",
		"protocol=https\nhost=evil.example\nusername=connect.prusa3d.com\n",
		"protocol=https\nhost=connеct.prusa3d.com\n",         // Cyrillic е
		"protocol=https\nhost=xn--connct-5ve.prusa3d.com\n",  // its punycode
		"protocol=https\nhost=connect.prusa3d.xn--com-2na\n", // punycode in the TLD
		"protocol=https\nhost=ｃｏｎｎｅｃｔ.prusa3d.com\n",         // full-width letters
		"protocol=https\nhost=connect．prusa3d.com\n",         // full-width dot
		"protocol=ssh\nhost=connect.prusa3d.com\n",
		"protocol=git\nhost=connect.prusa3d.com\n",
		"protocol=file\nhost=connect.prusa3d.com\n",
		"protocol=https\nhost=\n",
		"protocol=https\n",
		"host=connect.prusa3d.com\n",
		"url=connect.prusa3d.com\n",
		"protocol=https\nhost=connect.prusa3d.com\x00.evil.example\n",
		"protocol=https\nhost=connect.prusa3d.com\revil.example\n",
		"protocol=https\nhost=127.0.0.1\n",
		"protocol=https\nhost=[connect.prusa3d.com]:443\n", // brackets are for IP literals
		"protocol=https\nhost=[connect.prusa3d.com]\n",
		"url=https://[connect.prusa3d.com]:443/\n",
		"url=https://[connect.prusa3d.com]/\n",
	}
	for _, in := range gitGets {
		h, _, _ := newTestHelper()
		h.Hosts = NewHosts()
		var out strings.Builder
		if err := h.Git(context.Background(), "get", strings.NewReader(in), &out); err != nil {
			t.Errorf("git get %q: %v", in, err)
			continue
		}
		if !strings.Contains(out.String(), "password="+token+"\n") {
			t.Errorf("git get %q = %q, want the Prusa token", in, out.String())
		}
	}
	for _, in := range gitNever {
		h, _, _ := newTestHelper()
		h.Hosts = NewHosts()
		var out strings.Builder
		_ = h.Git(context.Background(), "get", strings.NewReader(in), &out) // bad input may be an error; that is fine
		if strings.Contains(out.String(), token) {
			t.Errorf("git get %q = %q: a Prusa token for a host that is not Prusa", in, out.String())
		}
	}

	dockerGets := []string{
		"connect.prusa3d.com",
		"https://connect.prusa3d.com",
		"https://connect.prusa3d.com/",
		"https://connect.prusa3d.com/v2/",
		"CONNECT.PRUSA3D.COM:443",
		"account.prusa3d.com",
		"connect.prusa3d.com\n", // what docker writes: the protocol trims the line
		" connect.prusa3d.com ", // and spaces around it
	}
	dockerNever := []string{
		"http://connect.prusa3d.com",
		"connect.prusa3d.com:5000",
		"https://connect.prusa3d.com:8443/",
		"connect.prusa3d.com.",
		"connect.prusa3d.com.example.net",
		"example.net/connect.prusa3d.com",
		"https://connect.prusa3d.com@evil.example",
		"https://connect.prusa3d.com:pw@evil.example/",
		"https://evil.example#@connect.prusa3d.com",
		"https://evil.example?connect.prusa3d.com",
		"https://user@connect.prusa3d.com",
		"xn--connct-5ve.prusa3d.com",
		"connеct.prusa3d.com",
		"ftp://connect.prusa3d.com",
		"ssh://connect.prusa3d.com",
		"connect.prusa3d.com\r\nevil.example",
		"connect.prusa3d.com\x00",
		"[connect.prusa3d.com]:443",
		"https://[connect.prusa3d.com]:443/",
		"https://[connect.prusa3d.com]/",
		"",
	}
	for _, u := range dockerGets {
		h, _, _ := newTestHelper()
		h.Hosts = NewHosts()
		out, err := docker(h, "get", u)
		if err != nil || !strings.Contains(out, `"Secret":"`+token+`"`) {
			t.Errorf("docker get %q = %q, %v; want the Prusa token", u, out, err)
		}
	}
	for _, u := range dockerNever {
		h, _, _ := newTestHelper()
		h.Hosts = NewHosts()
		out, _ := docker(h, "get", u)
		if strings.Contains(out, token) {
			t.Errorf("docker get %q = %q: a Prusa token for a host that is not Prusa", u, out)
		}
	}
}
