package helper

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// Git answers one git credential-helper action (gitcredentials(7),
// "CUSTOM HELPERS"). get, store and erase read a request from in; get
// writes its answer to out, and nothing when it has nothing to say.
// capability lists what this helper supports. Unknown actions are ignored
// silently, as git asks of helpers, so that future actions do no harm.
func (h *Helper) Git(ctx context.Context, action string, in io.Reader, out io.Writer) error {
	switch action {
	case "get", "store", "erase":
	case "capability":
		_, err := io.WriteString(out, "version 0\ncapability authtype\n")
		return err
	default:
		return nil
	}
	req, err := ParseGit(in)
	if err != nil {
		return err
	}
	if req.Protocol == "" || req.Host == "" {
		return fmt.Errorf("%w: a %s request needs protocol and host", ErrBadInput, action)
	}
	var buf bytes.Buffer
	switch {
	case h.hosts().Git(req.Protocol, req.Host):
		err = h.gitPrusa(ctx, action, req, &buf)
	case action == "get":
		err = h.gitGet(req, &buf)
	case action == "store":
		err = h.gitStore(req)
	default:
		err = h.gitErase(req)
	}
	if err != nil {
		return err
	}
	// The answer is written whole or not at all.
	_, err = out.Write(buf.Bytes())
	return err
}

func (h *Helper) gitPrusa(ctx context.Context, action string, req *GitCredential, out io.Writer) error {
	switch action {
	case "get":
		tok, err := h.Session.Token(withRequest(ctx, Request{Client: "git", URL: req.Protocol + "://" + req.Host}))
		if err != nil {
			return err
		}
		w := &gitWriter{w: out}
		bearer := req.Offers("authtype")
		if bearer {
			w.put("capability[]", "authtype")
		}
		w.put("username", tok.Username)
		w.put("password", tok.AccessToken)
		if !tok.Expiry.IsZero() {
			w.put("password_expiry_utc", strconv.FormatInt(tok.Expiry.Unix(), 10))
		}
		if bearer {
			w.put("authtype", "Bearer")
			w.put("credential", tok.AccessToken)
			w.put("ephemeral", "1")
		}
		return w.err
	case "erase":
		// A rejected token comes back as the password, or as the
		// credential when git used the authtype capability.
		switch {
		case req.Has("password"):
			return h.Session.Forget(ctx, req.Password)
		case req.Has("credential"):
			return h.Session.Forget(ctx, req.Credential)
		default:
			return h.Session.Logout(ctx)
		}
	default: // store: the session is owned by login and refresh
		return nil
	}
}

// getEntry reads the JSON entry stored under key, the credential for what,
// into v; found says whether key holds one, damaged or not. A damaged
// entry is an error that leaves out the decoder's message: it quotes a
// character of the entry, which may be one of the secret.
func (h *Helper) getEntry(key, what string, v any) (found bool, err error) {
	raw, err := h.Store.Get(key)
	if errors.Is(err, backends.ErrNotFound) {
		return false, nil
	}
	if err == nil && json.Unmarshal([]byte(raw), v) != nil {
		return true, fmt.Errorf("the stored credential for %s is damaged (not valid JSON)", what)
	}
	return err == nil, err
}

// gitEntry is how one generic git credential is stored. The key holds
// protocol, host, path and username.
type gitEntry struct {
	Password          *byteText `json:"password,omitempty"`
	PasswordExpiryUTC byteText  `json:"password_expiry_utc,omitempty"`
	OAuthRefreshToken byteText  `json:"oauth_refresh_token,omitempty"`
	AuthType          byteText  `json:"authtype,omitempty"`
	Credential        byteText  `json:"credential,omitempty"`
	// Stored orders entries, newest first, when several match a get.
	Stored int64 `json:"stored"`
	// NoUsername records a store without a username line, so that get
	// answers without one (git's t0303 authtype tests), while a stored
	// empty username ("username=") is answered as one. Entries stored
	// before this field have it false: their username is answered.
	NoUsername bool `json:"no_username,omitempty"`
}

// gitMatch is a stored credential that matches a request.
type gitMatch struct {
	key, username string
	entry         gitEntry
}

// gitMatches returns the stored credentials that match req on protocol,
// host, and on path and username when the request gives them, as git's
// credential_match does.
func (h *Helper) gitMatches(req *GitCredential) ([]gitMatch, error) {
	keys, err := h.Store.List(backends.GitHostPrefix(req.Protocol, req.Host))
	if err != nil {
		return nil, err
	}
	var out []gitMatch
	for _, key := range keys {
		path, username, ok := backends.ParseGitKey(key, req.Protocol, req.Host)
		if !ok || (req.Has("path") && path != req.Path) || (req.Has("username") && username != req.Username) {
			continue
		}
		var e gitEntry
		found, err := h.getEntry(key, req.String(), &e)
		if err != nil {
			return nil, err
		}
		if found { // else removed since List
			out = append(out, gitMatch{key, username, e})
		}
	}
	return out, nil
}

func (h *Helper) gitGet(req *GitCredential, out io.Writer) error {
	matches, err := h.gitMatches(req)
	if err != nil {
		return err
	}
	bearer := req.Offers("authtype")
	matches = slices.DeleteFunc(matches, func(m gitMatch) bool {
		return m.entry.Password == nil && !(bearer && m.entry.Credential != "")
	})
	if len(matches) == 0 {
		return nil // nothing to say: git asks the next helper
	}
	best := slices.MaxFunc(matches, func(a, b gitMatch) int { return cmp.Compare(a.entry.Stored, b.entry.Stored) })
	e := best.entry
	w := &gitWriter{w: out}
	useCredential := bearer && e.Credential != ""
	if useCredential {
		w.put("capability[]", "authtype")
	}
	if !e.NoUsername {
		w.put("username", best.username)
	}
	if e.Password != nil {
		w.put("password", string(*e.Password))
	}
	if e.PasswordExpiryUTC != "" {
		w.put("password_expiry_utc", string(e.PasswordExpiryUTC))
	}
	if e.OAuthRefreshToken != "" {
		w.put("oauth_refresh_token", string(e.OAuthRefreshToken))
	}
	if useCredential {
		w.put("authtype", string(e.AuthType))
		w.put("credential", string(e.Credential))
	}
	return w.err
}

// gitStore keeps a credential. As gitcredentials(7) says of ephemeral
// credentials, one marked ephemeral is not stored. A request without a
// username stores one with an empty username; a request with neither a
// password nor (with capability authtype) a credential has nothing to
// store and is ignored, as git-credential-store does.
func (h *Helper) gitStore(req *GitCredential) error {
	if req.Ephemeral {
		return nil
	}
	e := gitEntry{
		PasswordExpiryUTC: byteText(req.PasswordExpiryUTC),
		OAuthRefreshToken: byteText(req.OAuthRefreshToken),
		Stored:            h.now().UnixNano(),
		NoUsername:        !req.Has("username"),
	}
	if req.Has("password") {
		pw := byteText(req.Password)
		e.Password = &pw
	}
	if req.Offers("authtype") && req.Has("credential") {
		e.AuthType, e.Credential = byteText(req.AuthType), byteText(req.Credential)
	}
	if e.Password == nil && e.Credential == "" {
		return nil
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return h.Store.Put(backends.GitKey(req.Protocol, req.Host, req.Path, req.Username), string(data))
}

// gitErase removes every stored credential that matches the request. When
// the request carries a password (or credential), an entry whose stored
// one differs is kept: a stale secret's rejection must not remove a newer
// one.
func (h *Helper) gitErase(req *GitCredential) error {
	matches, err := h.gitMatches(req)
	if err != nil {
		return err
	}
	for _, m := range matches {
		if req.Has("password") && (m.entry.Password == nil || string(*m.entry.Password) != req.Password) {
			continue
		}
		if req.Has("credential") && string(m.entry.Credential) != req.Credential {
			continue
		}
		if err := h.Store.Delete(m.key); err != nil && !errors.Is(err, backends.ErrNotFound) {
			return err
		}
	}
	return nil
}

// byteText is a value of a stored git credential, kept byte for byte. git
// passes bytes, not text: a password may hold bytes that are not UTF-8,
// which encoding/json would turn into U+FFFD, so that a later erase with
// the original password no longer matches. Valid UTF-8 is stored as a
// JSON string, as before; anything else as {"base64": "..."} (standard
// encoding), which keeps the stored JSON valid. Both forms are read.
type byteText string

type byteTextBase64 struct {
	Base64 string `json:"base64"`
}

func (t byteText) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(t)) {
		return json.Marshal(string(t))
	}
	return json.Marshal(byteTextBase64{base64.StdEncoding.EncodeToString([]byte(t))})
}

func (t *byteText) UnmarshalJSON(data []byte) error {
	if len(data) == 0 || data[0] != '{' {
		return json.Unmarshal(data, (*string)(t))
	}
	var b byteTextBase64
	if err := json.Unmarshal(data, &b); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(b.Base64)
	*t = byteText(raw)
	return err
}
