package pkce

import (
	"io"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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

// parsePage reads an HTML document with a real HTML parser, which decodes
// character references and copes with sloppy markup as browsers do.
func parsePage(r io.Reader) (*page, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return nil, err
	}
	p := new(page)
	owner := make(map[*html.Node]*form)
	byID := make(map[string]*form)
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if strings.Contains(attr(n, "class"), "invalid-feedback") {
			p.invalidFeedback = true
		}
		if n.DataAtom == atom.Form {
			f := &form{
				id:     attr(n, "id"),
				action: strings.TrimSpace(attr(n, "action")),
				method: strings.ToLower(strings.TrimSpace(attr(n, "method"))),
			}
			p.forms = append(p.forms, f)
			owner[n] = f
			if f.id != "" && byID[f.id] == nil {
				byID[f.id] = f
			}
		}
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.Input || hasAttr(n, "disabled") {
			continue
		}
		// An input belongs to the form its form attribute names, else to
		// its nearest form ancestor (HTML §4.10.17.3, form owner).
		var f *form
		if id, ok := lookupAttr(n, "form"); ok {
			f = byID[id]
		} else {
			for a := range n.Ancestors() {
				if f = owner[a]; f != nil {
					break
				}
			}
		}
		if f == nil {
			continue
		}
		name := attr(n, "name")
		if name == "" {
			continue // not submitted
		}
		typ := strings.ToLower(strings.TrimSpace(attr(n, "type")))
		switch {
		case typ == "hidden":
			f.hidden = append(f.hidden, field{name, attr(n, "value")})
		case typ == "password":
			if f.passwordName == "" {
				f.passwordName = name
			}
		case slices.Contains(strings.Fields(strings.ToLower(attr(n, "autocomplete"))), "one-time-code"):
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
	for _, f := range p.forms {
		if f.emailName != "" && f.passwordName != "" {
			return f
		}
	}
	return nil
}

// otpForm returns the form with a one-time-code input.
func (p *page) otpForm() *form {
	for _, f := range p.forms {
		if f.otpName != "" {
			return f
		}
	}
	return nil
}

// hiddenValue returns the value of the form's first hidden input name.
func (f *form) hiddenValue(name string) (string, bool) {
	for _, h := range f.hidden {
		if h.name == name {
			return h.value, true
		}
	}
	return "", false
}

func lookupAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string {
	v, _ := lookupAttr(n, key)
	return v
}

func hasAttr(n *html.Node, key string) bool {
	_, ok := lookupAttr(n, key)
	return ok
}
