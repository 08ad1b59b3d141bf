package helper

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Protocol names a credential-helper protocol.
type Protocol string

// The protocols.
const (
	ProtocolGit    Protocol = "git"
	ProtocolDocker Protocol = "docker"
)

// Detect tells the protocol of a request from its first bytes, for a
// command line that serves both: a first line of key=value is git; "{"
// is docker's JSON; anything else is a bare docker server URL. It returns
// a reader that yields the whole request again.
func Detect(in io.Reader) (Protocol, io.Reader, error) {
	br := bufio.NewReaderSize(in, 4096)
	head, err := br.Peek(4096)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", nil, fmt.Errorf("read request: %w", err)
	}
	line, _, _ := bytes.Cut(bytes.TrimLeft(head, " \t\r\n"), []byte("\n"))
	// A git line starts with an attribute name and "=": lower-case
	// letters, digits, "_" and "[]". A URL never does, nor JSON ("{").
	key, _, isGit := bytes.Cut(line, []byte("="))
	isGit = isGit && len(key) > 0 && !bytes.ContainsFunc(key, func(c rune) bool {
		return !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '[' || c == ']')
	})
	if isGit {
		return ProtocolGit, br, nil
	}
	return ProtocolDocker, br, nil
}
