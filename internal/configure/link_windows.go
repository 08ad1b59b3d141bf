//go:build windows

package configure

import (
	"errors"
	"io"
	"os"
)

// makeLink makes path a hard link to exe (a symbolic link needs developer
// mode or an administrator), else a copy of it when they are on different
// volumes.
func makeLink(exe, path string) (string, error) {
	if err := replaceWith(path, func(tmp string) error { return os.Link(exe, tmp) }); err == nil {
		return "hard link", nil
	}
	return "copy", replaceWith(path, func(tmp string) error { return copyFile(exe, tmp) })
}

// copyFile copies the executable from to a new file to.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}
