// Package helper speaks the two credential-helper protocols, git's and
// docker's, and routes each request: Prusa hosts get the Prusa session,
// every other host is served from an ordinary credential store.
//
// The package reads requests from an io.Reader and writes answers to an
// io.Writer. It depends on two small interfaces, Store and Session, never
// on a concrete backend, the operating system or the network.
package helper

import (
	"context"
	"time"
)

// Store is the storage the helper needs: a string key/value store whose
// Get and Delete return an error wrapping backends.ErrNotFound for a
// missing key. Every backend satisfies it.
type Store interface {
	Get(key string) (string, error)
	Put(key, value string) error
	Delete(key string) error
	List(prefix string) ([]string, error)
}

// Session is the Prusa session as the protocols see it.
type Session interface {
	// Token returns a valid access token, refreshing or logging in as
	// needed, or an error that says why none can be had.
	Token(ctx context.Context) (Token, error)
	// Forget drops the stored access token if it is accessToken, so that
	// the next Token refreshes; any other value is ignored, so that the
	// rejection of an old token cannot end a fresh session.
	Forget(ctx context.Context, accessToken string) error
	// Logout removes the session.
	Logout(ctx context.Context) error
}

// Token is what a Prusa host is given.
type Token struct {
	Username    string // the account e-mail, else the account id
	AccessToken string
	Expiry      time.Time
}

// String describes the token without showing it.
func (t Token) String() string {
	return "Token{" + t.Username + ", expires " + t.Expiry.UTC().Format(time.RFC3339) + ", [redacted]}"
}

// GoString is String, so that %#v does not show the token either.
func (t Token) GoString() string { return t.String() }

// Helper answers credential requests.
type Helper struct {
	// Store keeps the credentials of every host that is not a Prusa host.
	Store Store
	// Session serves the Prusa hosts.
	Session Session
	// Hosts says which hosts are Prusa hosts; the zero value means
	// NewHosts().
	Hosts Hosts
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (h *Helper) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Helper) hosts() Hosts {
	if h.Hosts.names == nil {
		return NewHosts()
	}
	return h.Hosts
}

// Request is the request of a Prusa token that git or docker made: who
// asks (Client, "git" or "docker") and for what (URL, as the client named
// it). Session.Token finds it in its context, so that a login that the
// request starts can say why it happens.
type Request struct {
	Client string
	URL    string
}

type requestKey struct{}

// RequestFrom returns the request of a Prusa token that ctx carries, if
// the token is asked for by git or docker.
func RequestFrom(ctx context.Context) (Request, bool) {
	r, ok := ctx.Value(requestKey{}).(Request)
	return r, ok
}

func withRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}
