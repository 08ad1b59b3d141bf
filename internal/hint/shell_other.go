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

// Remove is the shell command that removes the file path.
func Remove(path string) string { return "rm " + Path(path) }

// PathCommand is the sh, bash and zsh command that puts dir first on
// PATH: export PATH="dir:$PATH", with dir quoted as Path quotes it when it
// needs quoting.
func PathCommand(dir string) string {
	if Path(dir) == dir {
		return `export PATH="` + dir + `:$PATH"`
	}
	return "export PATH=" + Path(dir) + `:"$PATH"`
}

// FishPathCommand is fish's command that puts dir first on PATH, for this
// and every later fish session.
func FishPathCommand(dir string) string {
	if Path(dir) == dir {
		return "fish_add_path " + dir
	}
	// In fish's single quotes only \\ and \' are escapes.
	return `fish_add_path '` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(dir) + `'`
}

// AddToPath is the advice that puts dir on PATH: the command for sh, bash
// and zsh, where to keep it, and fish's.
func AddToPath(dir string) string {
	return PathCommand(dir) + " (sh, bash, zsh; add that line to ~/.profile or your shell's rc file to keep it); in fish: " + FishPathCommand(dir)
}
