package hint

import "testing"

func TestPathCommand(t *testing.T) {
	tests := []struct{ dir, want string }{
		{`C:\Users\ada\bin`, `[Environment]::SetEnvironmentVariable('Path', 'C:\Users\ada\bin;' + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')`},
		{`C:\Users\o'neil\my bin`, `[Environment]::SetEnvironmentVariable('Path', 'C:\Users\o''neil\my bin;' + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')`},
	}
	for _, tt := range tests {
		if got := PathCommand(tt.dir); got != tt.want {
			t.Errorf("PathCommand(%q) = %q, want %q", tt.dir, got, tt.want)
		}
	}
}
