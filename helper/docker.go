package helper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// Docker answers one docker credential-helper action through
// docker-credential-helpers' credentials.HandleCommand: store, get, erase
// and list. The caller handles version, which needs no helper.
//
// As in that package, a failed action returns an error whose message is
// the protocol's answer: the caller prints it on stdout and exits 1. A
// missing credential is credentials.NewErrCredentialsNotFound, whose text
// is docker's exact not-found line.
func (h *Helper) Docker(ctx context.Context, action string, in io.Reader, out io.Writer) error {
	var data []byte
	switch action {
	case credentials.ActionStore, credentials.ActionGet, credentials.ActionErase:
		var err error
		if data, err = io.ReadAll(io.LimitReader(in, MaxInput+1)); err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if len(data) > MaxInput {
			return fmt.Errorf("%w: request is over %d KiB", ErrBadInput, MaxInput>>10)
		}
		if err := checkDockerInput(action, data); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := credentials.HandleCommand(&dockerHelper{ctx: ctx, h: h}, action, bytes.NewReader(data), &buf); err != nil {
		return err
	}
	_, err := out.Write(buf.Bytes())
	return err
}

// checkDockerInput refuses what credentials.HandleCommand would accept
// but must not be stored: a store request that is not one JSON object, and
// control characters in a server URL.
func checkDockerInput(action string, data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if action == credentials.ActionStore {
		if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
			return fmt.Errorf("%w: a store request must be one JSON object with ServerURL, Username and Secret", ErrBadInput)
		}
		return nil
	}
	if bytes.ContainsAny(trimmed, "\x00\r\n") {
		return fmt.Errorf("%w: the server URL contains a NUL byte or a line break", ErrBadInput)
	}
	return nil
}

// dockerHelper adapts Helper to credentials.Helper for one request.
type dockerHelper struct {
	ctx context.Context
	h   *Helper
}

// dockerEntry is how one generic docker credential is stored; the key
// holds the server URL exactly as docker sent it.
type dockerEntry struct {
	Username string `json:"username"`
	Secret   string `json:"secret"`
}

func (d *dockerHelper) Add(c *credentials.Credentials) error {
	for name, v := range map[string]string{"ServerURL": c.ServerURL, "Username": c.Username, "Secret": c.Secret} {
		if strings.ContainsAny(v, "\x00\r\n") {
			return fmt.Errorf("%w: %s contains a NUL byte or a line break", ErrBadInput, name)
		}
	}
	if d.h.hosts().Docker(c.ServerURL) {
		return nil // the session is owned by login and refresh
	}
	data, err := json.Marshal(dockerEntry{Username: c.Username, Secret: c.Secret})
	if err != nil {
		return err
	}
	return d.h.Store.Put(backends.DockerKey(c.ServerURL), string(data))
}

func (d *dockerHelper) Get(serverURL string) (string, string, error) {
	if d.h.hosts().Docker(serverURL) {
		tok, err := d.h.Session.Token(withRequest(d.ctx, Request{Client: "docker", URL: serverURL}))
		if err != nil {
			return "", "", err
		}
		return tok.Username, tok.AccessToken, nil
	}
	var e dockerEntry
	found, err := d.h.getEntry(backends.DockerKey(serverURL), serverURL, &e)
	switch {
	case err != nil:
		return "", "", err // nothing of a damaged entry goes with its error
	case !found:
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	return e.Username, e.Secret, nil
}

func (d *dockerHelper) Delete(serverURL string) error {
	if d.h.hosts().Docker(serverURL) {
		// docker logout sends no secret: it means log out.
		return d.h.Session.Logout(d.ctx)
	}
	// Erasing what is not there succeeds, as in docker's pass helper:
	// docker logout then has nothing to warn about.
	err := d.h.Store.Delete(backends.DockerKey(serverURL))
	if errors.Is(err, backends.ErrNotFound) {
		return nil
	}
	return err
}

func (d *dockerHelper) List() (map[string]string, error) {
	keys, err := d.h.Store.List(backends.DockerPrefix)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(keys))
	for _, key := range keys {
		serverURL, ok := backends.ParseDockerKey(key)
		if !ok {
			continue
		}
		var e dockerEntry
		found, err := d.h.getEntry(key, serverURL, &e)
		if !found && err != nil {
			return nil, err
		}
		if found && err == nil { // a damaged entry is left out
			out[serverURL] = e.Username
		}
	}
	return out, nil
}
