//go:build !windows

package hint

import "strings"

// Path writes path as a user types it in a POSIX shell: as it is when it
// holds only characters that no shell treats specially, else in single
// quotes, inside which nothing is special; a single quote in it ends the
// quoting, is escaped with a backslash, and the quoting starts again.
func Path(path string) string {
	if path != "" && strings.Trim(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+:@,%=") == "" {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}

// Move is the shell command that renames the file from to to.
func Move(from, to string) string { return "mv " + Path(from) + " " + Path(to) }

// Copy is the shell command that copies the file from to to.
func Copy(from, to string) string { return "cp " + Path(from) + " " + Path(to) }
