package pkce

import (
	"io"
	"slices"
	"strings"
)

// page is what the login flow needs from an HTML page of Prusa Account.
type page struct {
	forms []*form
	// invalidFeedback is set when an element's class contains
	// "invalid-feedback": Bootstrap's form error, which Prusa Account
	// shows when it rejects a password or a 2FA code.
	invalidFeedback bool
}

// form is one <form> and the inputs that belong to it.
type form struct {
	id     string
	action string // as written; "" means the page's own URL
	method string // as written, lower case; "" means the HTML default
	hidden []field

	emailName    string // the email input: type="email" or name="email"
	passwordName string // the first type="password" input
	otpName      string // the input with autocomplete="one-time-code"
}

type field struct{ name, value string }

// parsePage reads an HTML document and collects its forms. Of HTML's
// tree construction it takes the rules that decide which form an input
// belongs to in a well-formed page; scan.go says why it does not use a
// full parser.
func parsePage(r io.Reader) (*page, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	p := new(page)
	byID := make(map[string]*form)
	type input struct {
		owner *form
		tag
	}
	var inputs []input
	var open *form // HTML's form element pointer
	z := &scanner{s: string(b)}
	for t, ok := z.next(); ok; t, ok = z.next() {
		if t.end {
			if t.name == "form" {
				open = nil
			}
			continue
		}
		if t.name == "form" && open != nil {
			continue // HTML ignores a form inside a form (§13.2.6.4.7)
		}
		if strings.Contains(t.attr("class"), "invalid-feedback") {
			p.invalidFeedback = true
		}
		switch t.name {
		case "form":
			open = &form{
				id:     t.attr("id"),
				action: strings.TrimSpace(t.attr("action")),
				method: strings.ToLower(strings.TrimSpace(t.attr("method"))),
			}
			p.forms = append(p.forms, open)
			if open.id != "" && byID[open.id] == nil {
				byID[open.id] = open
			}
		case "input":
			if _, disabled := t.lookup("disabled"); !disabled {
				inputs = append(inputs, input{open, t})
			}
		}
	}
	for _, n := range inputs {
		// An input belongs to the form its form attribute names, else to
		// the form it is in (HTML §4.10.17.3, form owner).
		f := n.owner
		if id, ok := n.lookup("form"); ok {
			f = byID[id]
		}
		name := n.attr("name")
		if f == nil || name == "" {
			continue // in no form, or not submitted
		}
		typ := strings.ToLower(strings.TrimSpace(n.attr("type")))
		switch {
		case typ == "hidden":
			f.hidden = append(f.hidden, field{name, n.attr("value")})
		case typ == "password":
			if f.passwordName == "" {
				f.passwordName = name
			}
		case slices.Contains(strings.Fields(strings.ToLower(n.attr("autocomplete"))), "one-time-code"):
			f.otpName = name
		case typ == "email" || strings.EqualFold(name, "email"):
			if f.emailName == "" {
				f.emailName = name
			}
		case name == "otp_token" && f.otpName == "":
			f.otpName = name
		}
	}
	return p, nil
}

// loginForm returns the form with an email and a password input; pages
// have other forms too (language, search).
func (p *page) loginForm() *form {
	return p.find(func(f *form) bool { return f.emailName != "" && f.passwordName != "" })
}

// otpForm returns the form with a one-time-code input.
func (p *page) otpForm() *form { return p.find(func(f *form) bool { return f.otpName != "" }) }

func (p *page) find(match func(*form) bool) *form {
	if i := slices.IndexFunc(p.forms, match); i >= 0 {
		return p.forms[i]
	}
	return nil
}
