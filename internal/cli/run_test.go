package cli

import (
	"runtime"
	"runtime/debug"
	"testing"

	ucli "github.com/urfave/cli/v3"
)

func TestProgramName(t *testing.T) {
	tests := []struct{ arg0, want string }{
		{"git-credential-prusa", GitName},
		{"/usr/local/bin/git-credential-prusa", GitName},
		{`C:\Tools\docker-credential-prusa.exe`, DockerName},
		{"docker-credential-prusa.EXE", DockerName},
		{"./prusa-credential-helper", Name},
		{"prusa-credential-helper.exe", Name},
	}
	for _, tt := range tests {
		if got := programName(tt.arg0); got != tt.want {
			t.Errorf("programName(%q) = %q, want %q", tt.arg0, got, tt.want)
		}
	}
}

// TestEnvLookupCase: on Windows environment names are not case-sensitive
// (the environment has "Path", the code asks for "PATH"); elsewhere they
// are.
func TestEnvLookupCase(t *testing.T) {
	get := envLookup([]string{`Path=C:\bin`, "PRUSA_X=1", "prusa_x=2"})
	want, wantX := "", "1"
	if runtime.GOOS == "windows" {
		want, wantX = `C:\bin`, "2"
	}
	if got := get("PATH"); got != want {
		t.Errorf(`getenv("PATH") with "Path" set = %q, want %q`, got, want)
	}
	if got := get("PRUSA_X"); got != wantX {
		t.Errorf(`getenv("PRUSA_X") = %q, want %q`, got, wantX)
	}
}

func TestNearest(t *testing.T) {
	cmds := []*ucli.Command{{Name: "status"}, {Name: "logout"}, {Name: "token", Aliases: []string{"print-access-token"}}, {Name: "login"}}
	for _, tt := range []struct{ typed, want string }{
		{"stauts", "status"}, // a swap
		{"statu", "status"},  // a letter missing
		{"lgout", "logout"},  // a letter missing
		{"tokne", "token"},   // a swap
		{"logni", "login"},   // a swap, not logout
		{"print-acess-token", "print-access-token"},
		{"frobnicate", ""}, // nothing near
		{"x", ""},          // too short to guess
	} {
		if got := nearest(tt.typed, cmds); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestCommandShown(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"stauts", `"stauts"`},
		{"print-acess-token", `"print-acess-token"`},
		{"424242", "(6 characters, not shown)"},                         // a 2FA code
		{"eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "(29 characters, not shown)"}, // a JWT
		{"Hunter2!", "(8 characters, not shown)"},                       // a password
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "(40 characters, not shown)"},
	} {
		if got := commandShown(tt.name); got != tt.want {
			t.Errorf("commandShown(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		main     string
		settings []debug.BuildSetting
		want     string
	}{
		{"v1.2.3", nil, "v1.2.3"},
		{"v0.0.0-20261203002725-6e9fee32723d", nil, "v0.0.0-20261203002725-6e9fee32723d"},
		{"(devel)", []debug.BuildSetting{{Key: "vcs.revision", Value: "6e9fee32723d78e81bb6357182fc828a2564ad9c"}}, "devel-6e9fee32723d"},
		{"(devel)", []debug.BuildSetting{{Key: "vcs.revision", Value: "6e9fee32723d78e81bb6357182fc828a2564ad9c"}, {Key: "vcs.modified", Value: "true"}}, "devel-6e9fee32723d+dirty"},
		{"(devel)", nil, "devel"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Version: tc.main}, Settings: tc.settings}
		if got := version(bi); got != tc.want {
			t.Errorf("version(%q, %v) = %q, want %q", tc.main, tc.settings, got, tc.want)
		}
	}
}
