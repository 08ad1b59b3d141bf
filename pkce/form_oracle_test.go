package pkce

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parsePageHTML is parsePage as it was before scan.go, on golang.org/x/net/html
// and unchanged but for names: the oracle that the fuzz targets below
// hold parsePage to.
func parsePageHTML(r io.Reader) (*page, error) {
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
		if strings.Contains(htmlAttr(n, "class"), "invalid-feedback") {
			p.invalidFeedback = true
		}
		if n.DataAtom == atom.Form {
			f := &form{
				id:     htmlAttr(n, "id"),
				action: strings.TrimSpace(htmlAttr(n, "action")),
				method: strings.ToLower(strings.TrimSpace(htmlAttr(n, "method"))),
			}
			p.forms = append(p.forms, f)
			owner[n] = f
			if f.id != "" && byID[f.id] == nil {
				byID[f.id] = f
			}
		}
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.Input || htmlHasAttr(n, "disabled") {
			continue
		}
		// An input belongs to the form its form attribute names, else to
		// its nearest form ancestor (HTML §4.10.17.3, form owner).
		var f *form
		if id, ok := htmlLookupAttr(n, "form"); ok {
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
		name := htmlAttr(n, "name")
		if name == "" {
			continue // not submitted
		}
		typ := strings.ToLower(strings.TrimSpace(htmlAttr(n, "type")))
		switch {
		case typ == "hidden":
			f.hidden = append(f.hidden, field{name, htmlAttr(n, "value")})
		case typ == "password":
			if f.passwordName == "" {
				f.passwordName = name
			}
		case slices.Contains(strings.Fields(strings.ToLower(htmlAttr(n, "autocomplete"))), "one-time-code"):
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

func htmlLookupAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func htmlAttr(n *html.Node, key string) string {
	v, _ := htmlLookupAttr(n, key)
	return v
}

func htmlHasAttr(n *html.Node, key string) bool {
	_, ok := htmlLookupAttr(n, key)
	return ok
}

// FuzzFormScannerMatchesHTML holds parsePage to parsePageHTML on pages in
// the shape of login pages, built by pageGen from the fuzzer's bytes.
//
// pageGen writes markup whose tree x/net/html builds as the page reads:
// elements closed in order, at most one level of nested form and that one
// directly in its form, no form in a table, nothing in a table cell but
// inputs and text, no HTML elements in SVG or MathML. On markup outside
// that, HTML's tree construction moves elements around in ways that
// parsePage does not follow and that no login page relies on:
//   - an element left open in a form outlives the form's end tag: in
//     "<form><div></form><input>" the input is still the form's;
//   - an end tag that closes an element around an open form closes the
//     form but leaves HTML's form element pointer set, so that in
//     "<div><form></div><form><input>" the second form is ignored and the
//     input belongs to none;
//   - a form start tag in a table makes an empty form, and the inputs in
//     the table's cells belong to none; in "<template>" nested forms count;
//   - tags that HTML drops where they stand (a <td> outside a table, most
//     tags in a <select>, a second <body> whose attributes are merged into
//     the first) still have their class attribute looked at;
//   - HTML elements in SVG or MathML that end them (<svg><div>), and
//     start tags in their HTML integration points (<svg><title><b>),
//     leave parsePage still counting the foreign element as open;
//   - x/net/html rejects pages nested more than 512 elements deep.
//
// And by design: of the named character references, parsePage decodes
// only those that scan.go lists; x/net/html decodes all 2,231, so the
// values here use no others (FuzzScannerMatchesTokenizer checks the rest
// of the decoding on any input).
func FuzzFormScannerMatchesHTML(f *testing.F) {
	for _, seed := range []string{
		"",
		"\x01\x03\x02\x01\x05\x01\x01\x01\x02\x03\x04\x05\x06",
		"\x00\x01\x01\x01\x01\x03\x01\x03\x01\x05\x01\x01\x00\x02\x03\x01\x02\x03\x00\x01\x01\x01\x02\x01",
		"\x02\x02\x01\x03\x01\x01\x03\x01\x09\x01\x0b\x03\x01\x06\x05\x01\x0e\x01\x05\x03\x02\x0b\x0c\x0d",
	} {
		f.Add([]byte(seed))
	}
	opt := cmp.AllowUnexported(page{}, form{}, field{})
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := newPage(data)
		want, err := parsePageHTML(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("parsePageHTML(%q) error = %v", doc, err)
		}
		got, err := parsePage(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("parsePage(%q) error = %v", doc, err)
		}
		if diff := cmp.Diff(want, got, opt); diff != "" {
			t.Errorf("parsePage(%q) mismatch (-x/net/html +parsePage):\n%s", doc, diff)
		}
	})
}

// pageGen writes a page: each byte of in picks the next piece or says
// whether there is one, and running out of bytes ends the page.
type pageGen struct {
	in []byte
	b  strings.Builder
}

// Where a block is written: outside any form, directly in a form, or in
// an element in a form, where a nested form would close too much.
const (
	inBody = iota
	inForm
	inFormElement
)

func newPage(in []byte) string {
	g := &pageGen{in: in}
	cut := g.n(4) == 0
	at := g.n(256)<<8 | g.n(256)
	g.w(g.pick("", "<!DOCTYPE html>\n", `<!doctype html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x">`, "<?xml version=\"1.0\"?>\n"))
	g.w(g.pick("", `<html lang="en">`, `<HTML class="no-js">`))
	if g.n(2) == 1 {
		g.w("<head>")
		for g.n(3) != 0 {
			g.head()
		}
		g.w("</head>\n")
	}
	g.w(g.pick("", "<body>", `<body class="login">`))
	g.blocks(inBody, 0)
	g.w(g.pick("", "</body></html>", "</body></html>\n<input form=\"f\" name=\"late\" type=\"hidden\" value=\"1\">"))
	doc := g.b.String()
	if cut {
		doc = doc[:len(doc)*at>>16]
	}
	return doc
}

func (g *pageGen) n(k int) int {
	if len(g.in) == 0 || g.b.Len() > 8<<10 {
		return 0
	}
	c := g.in[0]
	g.in = g.in[1:]
	return int(c) % k
}

func (g *pageGen) pick(s ...string) string { return s[g.n(len(s))] }

func (g *pageGen) w(s ...string) {
	for _, x := range s {
		g.b.WriteString(x)
	}
}

func (g *pageGen) head() {
	switch g.n(6) {
	case 0:
		g.w("<title>", g.raw("title"), "</title>")
	case 1:
		g.w(g.pick(`<meta charset="utf-8">`, `<meta name="viewport" content="width=device-width">`))
	case 2:
		g.w(`<link rel="stylesheet" href="/static/a.css?v=1&amp;x=2">`)
	case 3:
		g.w("<script>", g.raw("script"), "</script>")
	case 4:
		g.w("<style>", g.raw("style"), "</style>")
	case 5:
		g.w("<noscript>", g.raw("noscript"), "</noscript>")
	}
}

func (g *pageGen) blocks(where, depth int) {
	for g.n(4) != 0 {
		g.block(where, depth)
	}
}

func (g *pageGen) block(where, depth int) {
	switch g.n(16) {
	case 0:
		g.w(g.pick("Log in", "a &amp; b &copy; c", "x < y", "<3", "&", " ", "\n", "&lt;form&gt;", "</ form>"))
	case 1, 2:
		g.input()
	case 3:
		if where == inFormElement || depth > 5 {
			g.input()
			return
		}
		g.w("<", g.pick("form", "FORM", "Form"), g.attrs(formAttrs), g.pick(">", "/>"))
		g.blocks(inForm, depth+1)
		g.w(g.pick("</form>", "</FORM >", `</form foo="a>b">`, "</form/>", "</form\n>"))
	case 4:
		if depth > 5 {
			return
		}
		inner := where
		if where == inForm {
			inner = inFormElement
		}
		name := g.pick("div", "span", "label", "fieldset", "section", "my-widget")
		g.w("<", name, g.attrs(plainAttrs), ">")
		g.blocks(inner, depth+1)
		g.w("</", name, ">")
	case 5:
		g.w(g.pick(comments...))
	case 6:
		g.w("<script", g.pick("", ` type="text/javascript"`, ` src="/x.js"`), g.pick(">", "/>"), g.raw("script"),
			g.pick("</script>", "</SCRIPT>", "</script >", "</script\n>", "</script/>", `</script foo="a>b">`))
	case 7:
		g.w("<style>", g.raw("style"), g.pick("</style>", "</STYLE >"))
	case 8:
		g.w("<textarea", g.attrs(inputAttrs), ">", g.raw("textarea"), g.pick("</textarea>", "</TextArea/>"))
	case 9:
		g.table()
	case 10:
		g.w("<select", g.attrs(inputAttrs), ">")
		for g.n(3) != 0 {
			g.w(g.pick(`<option value="cs">čeština</option>`, "<option selected>English", `<optgroup label="x"><option>y</option></optgroup>`))
		}
		g.w("</select>")
	case 11:
		g.foreign()
	case 12:
		g.w(g.pick(bogus...))
	case 13:
		g.w(g.pick(leaves...))
	case 14:
		name := g.pick("noscript", "iframe", "xmp", "noembed", "noframes", "title", "textarea")
		g.w("<", name, ">", g.raw(name), "</", name, ">")
	case 15:
		if g.n(8) == 0 {
			g.w("<plaintext>", g.pick("", `<input name="plain" type="hidden">`, "</plaintext>"))
		}
	}
}

func (g *pageGen) input() {
	g.w("<", g.pick("input", "INPUT", "Input"), g.attrs(inputAttrs), g.pick(">", "/>", " />", "\n>", "/ >"))
}

func (g *pageGen) table() {
	g.w("<table", g.attrs(plainAttrs), ">", g.pick("", "<tbody>"))
	for g.n(3) != 0 {
		if g.n(4) == 0 {
			g.input() // in the table itself: a hidden one stays, others are put before it
		}
		g.w("<tr>")
		for g.n(3) != 0 {
			cell := g.pick("td", "th")
			g.w("<", cell, ">")
			for g.n(3) != 0 {
				if g.n(3) == 0 {
					g.w(g.pick("Code", "<!-- x -->", `<span class="invalid-feedback">x</span>`))
				} else {
					g.input()
				}
			}
			g.w("</", cell, ">")
		}
		g.w("</tr>")
	}
	g.w("</table>")
}

// foreign writes an inline SVG icon or a MathML formula.
func (g *pageGen) foreign() {
	name := g.pick("svg", "SVG", "math")
	if g.n(5) == 0 {
		g.w("<", name, "/>")
		return
	}
	g.w("<", name, ` viewBox="0 0 24 24"`, g.attrs(plainAttrs), ">")
	for g.n(3) != 0 {
		g.w(g.pick(
			"<title>Show password</title>", "<title/>", "<style/>", "<script/>", "<svg/>",
			`<path d="M0 0h24v24H0z" fill="none"/>`, `<g class="invalid-feedback"><circle r="1"/></g>`,
			"<style>.a{fill:#000}</style>", `<style><![CDATA[ a > b <input name="cd" type="hidden"> ]]></style>`,
			`<![CDATA[ <input name="cd2" type="hidden"> ]]>`, `<use xlink:href="#i"/>`,
		))
	}
	g.w("</", name, ">")
}

// raw returns text for the raw-text element name: pieces of markup,
// fake forms among them, kept only while the element still ends at the
// end tag written after it, so that what follows is markup as written.
func (g *pageGen) raw(name string) string {
	text := ""
	for i := 0; i < 12 && g.n(3) != 0; i++ {
		if t := text + g.pick(rawPieces...); rawTextIntact(name, t) {
			text = t
		}
	}
	return text
}

func rawTextIntact(name, text string) bool {
	z := html.NewTokenizer(strings.NewReader("<" + name + ">" + text + "</" + name + ">"))
	if z.Next() != html.StartTagToken {
		return false
	}
	if text != "" && (z.Next() != html.TextToken || string(z.Raw()) != text) {
		return false
	}
	return z.Next() == html.EndTagToken && z.Next() == html.ErrorToken
}

var rawPieces = []string{
	"x", " ", "\n", "<", ">", "&lt;", "&amp;", "</", "-", "--", "-->", "<!--", "--!>", "<!", "<1", "<<", `"`, "'",
	`<form action="/evil" method="post">`, "</form>", `<input type="hidden" name="csrfmiddlewaretoken" value="evil">`,
	`<input type="password" name="evil">`, `<input name="email">`, `<div class="invalid-feedback">`, "</div>",
	"<script>", "<SCRIPT ", "<script/", "</script>", "</SCRIPT", "</scripts>", `<\/script>`, "</script", "<scriptx>",
	"</style>", "</title>", "</textarea>", "</noscript>", "</xmp>", "</iframe>", "</style", "</TITLE ", "</textarea/",
}

var comments = []string{
	"<!-- x -->", "<!---->", "<!-->", "<!--->", "<!-- a -- b -->", "<!-- a --!>", "<!----!>", "<!-- <!-- nested -->",
	`<!-- <form><input name="c" type="hidden" value="1"></form> -->`, `<!--!> <input name="c2" type="hidden"> -->`,
	`<!-- <div class="invalid-feedback"> -->`, "<!--<script>-->", "<!-- --- >x<input name=\"c3\"> -->",
}

var bogus = []string{
	`<?xml version="1.0"?>`, `<?php echo "<input name=p type=hidden>"; ?>`, "</>", `<!x <input name="b">`,
	"<!DOCTYPE html>", "</3>", `< input name="sp">`, `<3 <input name="lt" type="hidden" value="x">`,
	`<![CDATA[ <input name="cd" type="hidden"> ]]>`, "</br>", "<a<b></a<b>", "</p>", `</ input name="e">`,
	`</span class="invalid-feedback">`, "<noſcript><input name=\"long-s\" type=\"hidden\"></noſcript>",
}

var leaves = []string{
	`<button type="submit" class="btn">Log in</button>`, `<a href="/password/reset/?a=1&amp;b=2">Forgot?</a>`,
	`<img src="/x.svg" alt="a > b">`, "<br>", "<hr/>", `<label for="id_email">E-mail</label>`,
	`<p class="invalid-feedback">x</p>`, `<span class="invalid-feedback">x</span>`,
	`<div class="alert invalid-feedback d-block">Invalid</div>`, `<div class="invalid&#45;feedback">x</div>`,
}

// attrSpec lists attribute names and, for each, values to pick from.
type attrSpec []struct {
	keys, vals []string
}

var (
	names  = []string{"csrfmiddlewaretoken", "next", "email", "Email", "login", "password", "pw", "otp_token", "code", "", "x y"}
	types  = []string{"hidden", "HIDDEN", " hidden ", "email", "password", "Password", "text", "checkbox", "submit", ""}
	values = []string{
		"c", "c&amp;1", "&lt;&gt;&quot;&apos;", "&#39;&#x27;&#X27", "&#34;x&#43;", "&#0;&#128;&#x9F;&#xD800;&#x110000;&#99999999999;",
		"&#;&#x;&#", "&", "a&b&", "&amp&ampx&amp=&lt=1", "&nbsp&nbsp;&apos&AMP;&LT&Amp;&bogus;&ampfoo;",
		"/o/authorize/?client_id=x&amp;next=%2F", "/login/?next=%2F&lang=cs", "x\r\ny\rz", "a\x00b", "é\xff", "a&quot=",
		" padded ", "", `a"b'c`, "a b", "x/", "a>b",
	}
	classes = []string{"form-control", "invalid-feedback", "form-control is-invalid", "alert invalid-feedback d-block", "invalid&#45;feedback", "invalid-feed", ""}
	ids     = []string{"f", "login", "", "missing", "f&amp;"}
	misc    = attrSpec{
		{[]string{"class", "CLASS"}, classes},
		{[]string{"id"}, ids},
		{[]string{"=name", `"name"`, "data-x", "a<b"}, values},
	}
	inputAttrs = append(attrSpec{
		{[]string{"name", "NAME", "Name"}, names},
		{[]string{"type", "TYPE"}, types},
		{[]string{"value"}, values},
		{[]string{"autocomplete"}, []string{"one-time-code", "off one-time-code", "ONE-TIME-CODE", "username", "current-password"}},
		{[]string{"form", "Form"}, ids},
		{[]string{"disabled"}, []string{"", "disabled"}},
	}, misc...)
	formAttrs = append(attrSpec{
		{[]string{"action", "ACTION"}, []string{"", "/login/?next=%2F", " /login/ ", "../x?a=1&amp;b=2", "https://account.prusa3d.com/login/"}},
		{[]string{"method", "METHOD"}, []string{"post", "POST", " post ", "get", ""}},
	}, misc...)
	plainAttrs = misc
)

// attrs writes some attributes of spec, duplicates and odd spacing among
// them, each value in whichever quoting it can be written in.
func (g *pageGen) attrs(spec attrSpec) string {
	var b strings.Builder
	for i := 0; i < 8 && g.n(4) != 0; i++ {
		a := spec[g.n(len(spec))]
		if i == 0 {
			b.WriteString(g.pick(" ", "\n", "/")) // not "": that would be another tag
		} else {
			b.WriteString(g.pick(" ", " ", "\n", "\t", "  ", "/", ""))
		}
		b.WriteString(g.pick(a.keys...))
		v := g.pick(a.vals...)
		switch g.n(6) {
		case 0: // valueless
		case 1:
			if !strings.Contains(v, `"`) {
				b.WriteString(`="` + v + `"`)
			}
		case 2:
			if !strings.Contains(v, "'") {
				b.WriteString(g.pick("='", " = '", "=\n'") + v + "'")
			}
		default:
			if v != "" && !strings.ContainsAny(v, " \t\n\r\f>") && v[0] != '"' && v[0] != '\'' {
				b.WriteString("=" + v)
			}
		}
	}
	return b.String()
}

// FuzzScannerMatchesTokenizer holds the scanner to x/net/html's tokenizer
// on any input: the same tags, names, attributes and decoded values, in
// the same order, with the tokenizer told about SVG and MathML the way
// the scanner keeps track of them. Only values with named character
// references that x/net/html knows and scan.go does not are left out.
func FuzzScannerMatchesTokenizer(f *testing.F) {
	for _, tt := range scanTests {
		f.Add(tt.doc)
	}
	for _, s := range unescapeTests {
		f.Add(`<input value="` + s.in + `">`)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if got, want := scanTags(doc, true), htmlTags(doc, true); !slices.Equal(got, want) {
			t.Errorf("scanTags(%q)\n got %q\nwant %q (x/net/html)", doc, got, want)
		}
	})
}

// htmlTags returns the tags that x/net/html's tokenizer reads in doc,
// formatted as scanTags formats them.
func htmlTags(doc string, skipUnknownRefs bool) []string {
	z := html.NewTokenizer(strings.NewReader(doc))
	foreign := 0
	var tags []string
	var raw []tag
	if skipUnknownRefs {
		raw = rawTags(doc)
	}
	for {
		z.AllowCDATA(foreign > 0)
		tt := z.Next()
		if tt == html.ErrorToken {
			return tags
		}
		if tt != html.StartTagToken && tt != html.EndTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		t := tag{name: tok.Data, end: tt == html.EndTagToken, selfClosing: tt == html.SelfClosingTagToken}
		for i, a := range tok.Attr {
			if n := len(tags); skipUnknownRefs && n < len(raw) && i < len(raw[n].attrs) && unknownRef(raw[n].attrs[i].val) {
				a.Val = "?"
			}
			t.attrs = append(t.attrs, attr{a.Key, a.Val})
		}
		tags = append(tags, formatTag(t))
		switch {
		case tok.Data != "svg" && tok.Data != "math":
		case t.end && foreign > 0:
			foreign--
		case !t.end && !t.selfClosing:
			foreign++
		}
		if !t.end && foreign > 0 {
			z.NextIsNotRawText()
		}
	}
}

// scanTags returns the tags that the scanner reads in doc, one string
// each: "/name" for an end tag, else the name, the attributes with their
// decoded values, and "/" when self-closing.
func scanTags(doc string, skipUnknownRefs bool) []string {
	var tags []string
	for _, t := range rawTags(doc) {
		for i, a := range t.attrs {
			t.attrs[i].val = unescapeAttr(a.val)
			if skipUnknownRefs && unknownRef(a.val) {
				t.attrs[i].val = "?"
			}
		}
		tags = append(tags, formatTag(t))
	}
	return tags
}

func rawTags(doc string) []tag {
	var tags []tag
	z := &scanner{s: doc}
	for t, ok := z.next(); ok; t, ok = z.next() {
		t.attrs = slices.Clone(t.attrs)
		tags = append(tags, t)
	}
	return tags
}

func formatTag(t tag) string {
	var b strings.Builder
	if t.end {
		b.WriteString("/")
	}
	// x/net/html replaces NUL, which no tag of interest has, with U+FFFD.
	b.WriteString(strings.ReplaceAll(t.name, "\x00", "\uFFFD"))
	for _, a := range t.attrs {
		fmt.Fprintf(&b, " %s=%q", strings.ReplaceAll(a.key, "\x00", "\uFFFD"), a.val)
	}
	if t.selfClosing {
		b.WriteString(" /")
	}
	return b.String()
}

// unknownRef reports whether the attribute value v, as written, has a
// named character reference that x/net/html decodes and scan.go does not.
func unknownRef(v string) bool {
	for i := strings.IndexByte(v, '&'); i >= 0; i = strings.IndexByte(v, '&') {
		v = v[i:]
		if r, _ := charRef(v); r == "&" && htmlDecodes(v) {
			return true
		}
		v = v[1:]
	}
	return false
}

// htmlDecodes reports whether x/net/html decodes the reference at the
// start of the attribute value v.
func htmlDecodes(v string) bool {
	k := 1
	for k < len(v) && (isLetter(v[k]) || '0' <= v[k] && v[k] <= '9') {
		k++
	}
	semi := k < len(v) && v[k] == ';'
	if k == 1 || !semi && k < len(v) && v[k] == '=' {
		return false
	}
	if semi {
		k++
	}
	ref := v[:k]
	z := html.NewTokenizer(strings.NewReader(`<a x="` + ref + `">`))
	z.Next()
	_, got, _ := z.TagAttr()
	return !strings.HasPrefix(string(got), ref)
}
