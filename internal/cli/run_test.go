package cli

import "testing"

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
