package pkce

import (
	"slices"
	"strings"
)

// This file reads the tags of a page for parsePage. It replaces
// golang.org/x/net/html, whose package init builds a 2,200-entry entity
// map that every start of the helper paid for, 0.2 ms and 126 KB, though
// only a login reads HTML (issue 6).
//
// It is a tokenizer, not a parser. It follows WHATWG HTML §13.2.5 where
// that decides which tags a browser sees (attributes, comments, raw text,
// character references in attribute values), and x/net/html where the
// two differ, since form_oracle_test.go fuzzes one against the other.
// Text is skipped: a login reads nothing in it.

// tag is a start or end tag. Names are lower-cased in ASCII only, as HTML
// does; strings.ToLower would turn "ſcript" into "script".
type tag struct {
	name        string
	end         bool
	selfClosing bool
	attrs       []attr // the first of each name: HTML drops later duplicates
}

type attr struct{ key, val string } // val as written, not yet decoded

// lookup returns the decoded value of the attribute key.
func (t *tag) lookup(key string) (string, bool) {
	for _, a := range t.attrs {
		if a.key == key {
			return unescapeAttr(a.val), true
		}
	}
	return "", false
}

func (t *tag) attr(key string) string {
	v, _ := t.lookup(key)
	return v
}

// scanner yields the tags of an HTML document and skips the rest.
type scanner struct {
	s       string
	i       int
	foreign int // open <svg> and <math>, in which no element has raw text and CDATA is text
}

// next returns the next tag, or false at the end of the document. A tag
// cut off by the end is dropped, as in HTML.
func (z *scanner) next() (tag, bool) {
	for {
		j := strings.IndexByte(z.s[z.i:], '<')
		if j < 0 {
			return tag{}, false
		}
		z.i += j + 1
		switch c := z.at(0); {
		case isLetter(c):
			return z.tag(false)
		case c == '/' && isLetter(z.at(1)):
			z.i++
			return z.tag(true)
		case c == '/' && z.at(1) == '>':
			z.i += 2 // "</>" is nothing at all
		case c == '/' && z.i+1 < len(z.s), c == '?':
			z.skipPast(">") // a bogus comment
		case c == '!':
			z.i++
			z.markup()
		}
		// Any other '<' is text.
	}
}

func (z *scanner) at(k int) byte {
	if z.i+k < len(z.s) {
		return z.s[z.i+k]
	}
	return 0
}

func (z *scanner) skipPast(end string) {
	if k := strings.Index(z.s[z.i:], end); k >= 0 {
		z.i += k + len(end)
	} else {
		z.i = len(z.s)
	}
}

// markup skips what follows "<!": a comment, CDATA in SVG or MathML, or
// a doctype or bogus comment, both of which end at the first '>'.
func (z *scanner) markup() {
	rest := z.s[z.i:]
	switch {
	case strings.HasPrefix(rest, "--"):
		rest = rest[2:]
		z.i += 2
		if t := strings.TrimLeft(rest, "-"); strings.HasPrefix(t, ">") {
			z.i = len(z.s) - len(t) + 1 // "<!-->" and "<!--->" end there
			return
		}
		// A comment ends at "-->" or "--!>"; "<!--!>" does not end one.
		end := len(rest)
		for _, e := range []string{"-->", "--!>"} {
			if k := strings.Index(rest, e); k >= 0 {
				end = min(end, k+len(e))
			}
		}
		z.i += end
	case z.foreign > 0 && strings.HasPrefix(rest, "[CDATA["):
		z.skipPast("]]>")
	default:
		z.skipPast(">")
	}
}

// tag reads a tag whose name starts at z.i and skips the raw text that
// follows the start tag of a script, style, title, textarea and the like.
func (z *scanner) tag(end bool) (tag, bool) {
	s := z.s
	i := until(s, z.i, space+"/>")
	t := tag{name: lower(s[z.i:i]), end: end}
	valEnd := -1 // where the value of the last kept attribute ends
	for {
		if i = skipSpace(s, i); i == len(s) {
			z.i = i
			return tag{}, false
		}
		if s[i] == '>' {
			break
		}
		// A name runs to a space, '/', '>' or '='; a leading '=' is part of it.
		k := i
		if s[i] != '/' {
			i = until(s, i+1, space+"/>=")
		}
		key, vs, ve := lower(s[k:i]), i, i
		switch i = skipSpace(s, i); {
		case i < len(s) && s[i] == '/':
			i++
		case i < len(s) && s[i] == '=':
			vs = skipSpace(s, i+1)
			ve = until(s, vs, space+">")
			i = ve
			if vs < len(s) && (s[vs] == '"' || s[vs] == '\'') {
				vs++
				ve = until(s, vs, s[vs-1:vs])
				i = min(ve+1, len(s))
			}
		}
		if !end && key != "" && !slices.ContainsFunc(t.attrs, func(a attr) bool { return a.key == key }) {
			t.attrs = append(t.attrs, attr{key, s[vs:ve]})
			valEnd = ve
		}
	}
	// "<a href=x/>" is no self-closing tag: the '/' belongs to the value.
	t.selfClosing = !end && s[i-1] == '/' && valEnd != i
	z.i = i + 1
	if t.name == "svg" || t.name == "math" {
		switch {
		case end && z.foreign > 0:
			z.foreign--
		case !end && !t.selfClosing:
			z.foreign++
		}
	}
	if !end && z.foreign == 0 {
		z.skipRawText(t.name)
	}
	return t, true
}

// skipRawText skips the text of the elements whose content HTML does not
// parse as markup: it ends at the element's end tag and nowhere else.
func (z *scanner) skipRawText(name string) {
	switch name {
	case "plaintext":
		z.i = len(z.s) // never ends
	case "script":
		z.skipScript()
	case "iframe", "noembed", "noframes", "noscript", "style", "textarea", "title", "xmp":
		// noscript too: x/net/html parses as a browser with scripts on.
		for ; z.i < len(z.s); z.i++ {
			if z.s[z.i] == '<' && isEndTag(z.s[z.i:], name) {
				return
			}
		}
	}
}

// skipScript skips a script's text. It ends at the first </script>,
// unless that comes after "<!--" and "<script" and before "-->": HTML's
// script data escaped states. Like x/net/html, a '<' followed by neither a
// letter nor '/' leaves the escaped state.
func (z *scanner) skipScript() {
	const data, escaped, double = 0, 1, 2
	s, state, dashes := z.s, data, 0
	for i := z.i; i < len(s); i++ {
		c := s[i]
		if state == data {
			if c == '<' && isEndTag(s[i:], "script") {
				z.i = i
				return
			}
			if c == '<' && strings.HasPrefix(s[i+1:], "!--") {
				i += 3
				state, dashes = escaped, 2
			}
			continue
		}
		switch {
		case c == '-':
			dashes++
			continue
		case c == '>' && dashes >= 2:
			state = data
		case c == '<' && state == escaped && isEndTag(s[i:], "script"):
			z.i = i
			return
		case c == '<' && state == escaped && i+1 < len(s) && isLetter(s[i+1]):
			if hasTagName(s[i+1:], "script") {
				i += 7 // the name and the character after it
				state = double
			}
		case c == '<' && state == escaped && (i+1 == len(s) || s[i+1] != '/'):
			state = data
		case c == '<' && state == double && isEndTag(s[i:], "script"):
			i += 8
			state = escaped
		}
		dashes = 0
	}
	z.i = len(s)
}

// isEndTag reports whether s starts with an end tag that ends raw text.
func isEndTag(s, name string) bool {
	return strings.HasPrefix(s, "</") && hasTagName(s[2:], name)
}

// hasTagName reports whether s starts with name in any case and then a
// character that ends a tag name.
func hasTagName(s, name string) bool {
	// EqualFold folds no other byte string of name's length into ASCII letters.
	return len(s) > len(name) && strings.EqualFold(s[:len(name)], name) &&
		strings.IndexByte(space+"/>", s[len(name)]) >= 0
}

const space = " \t\n\f\r" // HTML's ASCII whitespace

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func skipSpace(s string, i int) int { return len(s) - len(strings.TrimLeft(s[i:], space)) }

// until returns the index of the first byte of s from i on that is one
// of chars, or len(s).
func until(s string, i int, chars string) int {
	if j := strings.IndexAny(s[i:], chars); j >= 0 {
		return i + j
	}
	return len(s)
}

func lower(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// cp1252 is what HTML makes of numeric references to 0x80–0x9F.
const cp1252 = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ"

// unescapeAttr decodes an attribute value as HTML does. Of the named
// references it knows those that login pages use, Django's escape and
// html/template among them; others stay as written, as unknown ones do.
func unescapeAttr(s string) string {
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for j := strings.IndexByte(s, '&'); j >= 0; j = strings.IndexByte(s, '&') {
		v, n := charRef(s[j:])
		b.WriteString(s[:j])
		b.WriteString(v)
		s = s[j+n:]
	}
	b.WriteString(s)
	return b.String()
}

// named are the named references that unescapeAttr decodes, each with
// or without a ';' but apos: Django's escape and html/template write the
// first four, and HTML has upper-case spellings of them.
var named = [...][2]string{
	{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", `"`}, {"apos;", "'"}, {"nbsp", "\u00A0"},
	{"AMP", "&"}, {"LT", "<"}, {"GT", ">"}, {"QUOT", `"`},
}

// charRef decodes the character reference at the start of s, which starts
// with '&', and returns it and its length.
func charRef(s string) (string, int) {
	if strings.HasPrefix(s, "&#") {
		i, base := 2, 10
		if i < len(s) && s[i]|0x20 == 'x' {
			i, base = 3, 16
		}
		start, x := i, 0
		for ; i < len(s); i++ {
			// |0x20 folds case, and 0x10–0x19 into digits.
			d := strings.IndexByte("0123456789abcdef"[:base], s[i]|0x20)
			if d < 0 || s[i] < '0' {
				break
			}
			x = min(x*base+d, 0x110000) // past U+10FFFF all is one
		}
		if i == start {
			return "&", 1
		}
		if i < len(s) && s[i] == ';' {
			i++
		}
		switch {
		case 0x80 <= x && x <= 0x9F:
			return string([]rune(cp1252)[x-0x80]), i
		case x == 0, 0xD800 <= x && x <= 0xDFFF, x > 0x10FFFF:
			return "\uFFFD", i
		}
		return string(rune(x)), i
	}
	i := 1
	for i < len(s) && (isLetter(s[i]) || '0' <= s[i] && s[i] <= '9') {
		i++
	}
	ref := s[1:i]
	if i < len(s) && s[i] == ';' {
		ref = s[1 : i+1]
	} else if i < len(s) && s[i] == '=' {
		return "&", 1 // "?a=1&lt=2": a query string, not a reference
	}
	for _, e := range named {
		if e[0] == ref || e[0]+";" == ref {
			return e[1], len(ref) + 1
		}
	}
	return "&", 1
}
