package hint

import "strings"

// Path writes path as a user types it in a Windows shell: in double
// quotes, which cmd.exe and PowerShell both take, when it has a space or
// a character either treats specially, and with its backslashes as they
// are (never doubled, as Go's %q would).
func Path(path string) string {
	if path != "" && !strings.ContainsAny(path, " \t&()[]{}^=;!'+,`~$%@#") {
		return path
	}
	return `"` + path + `"`
}

// Move is the shell command that renames the file from to to: move, which
// cmd.exe and PowerShell both have.
func Move(from, to string) string { return "move " + Path(from) + " " + Path(to) }

// Copy is the shell command that copies the file from to to.
func Copy(from, to string) string { return "copy " + Path(from) + " " + Path(to) }

// Remove is the shell command that removes the file path: del, which
// cmd.exe and PowerShell both have.
func Remove(path string) string { return "del " + Path(path) }

// PathCommand is the PowerShell command that puts dir first on the user's
// PATH for every program started after it. It edits the user's own PATH
// only, not the system's, and not with setx, which would cut a long PATH
// at 1024 characters and copy the system's entries into the user's.
func PathCommand(dir string) string {
	// In PowerShell's single quotes only a doubled quote is special.
	return "[Environment]::SetEnvironmentVariable('Path', '" + strings.ReplaceAll(dir, "'", "''") +
		";' + [Environment]::GetEnvironmentVariable('Path', 'User'), 'User')"
}

// AddToPath is the advice that puts dir on PATH: the PowerShell command,
// and that it applies to terminals opened after it.
func AddToPath(dir string) string {
	return "in PowerShell: " + PathCommand(dir) + "; then open a new terminal"
}
