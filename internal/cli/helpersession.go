package cli

import (
	"context"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

// helperSession adapts the session manager to the protocol layer's
// helper.Session: the session hands out its own token type, so that the
// dependency runs from the protocols down to the session, never up.
type helperSession struct{ *session.Manager }

// Token is the manager's token as the protocol layer's type.
func (s helperSession) Token(ctx context.Context) (helper.Token, error) {
	t, err := s.Manager.Token(ctx)
	return helper.Token(t), err
}
