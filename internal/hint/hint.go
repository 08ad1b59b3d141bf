// Package hint attaches to an error the fix a user should try, which the
// command line prints on a "hint:" line of its own.
package hint

import "errors"

type hinted struct {
	err  error
	hint string
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }
func (e *hinted) Hint() string  { return e.hint }

// With returns err with hint attached; errors.Is and errors.As see err.
func With(err error, hint string) error { return &hinted{err, hint} }

// Of returns the hint of the first error in err's tree that has one: any
// error with a Hint() string method, such as the file backend's.
func Of(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}
