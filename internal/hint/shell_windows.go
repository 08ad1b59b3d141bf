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
