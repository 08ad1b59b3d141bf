package pkce

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// scanTests are the tokenizer's rules, one case each; TestScanner checks
// them against x/net/html too.
var scanTests = []struct {
	name string
	doc  string
	want []string // as scanTags formats them
}{
	{
		name: "names in any case, values quoted three ways",
		doc:  `<INPUT Name="a b" TYPE='hidden' Value=c&amp;d>`,
		want: []string{`input name="a b" type="hidden" value="c&d"`},
	},
	{
		name: "valueless and empty attributes",
		doc:  `<input disabled name="" value= form=f>`,
		want: []string{`input disabled="" name="" value="form=f"`},
	},
	{
		name: "duplicate attributes: the first wins",
		doc:  `<input name=a NAME="b" name='c' type=hidden>`,
		want: []string{`input name="a" type="hidden"`},
	},
	{
		name: "odd spacing and odd names",
		doc:  "<input name = \"a\"type=x/id=y\n=z \"q\"=1 a<b a=>",
		want: []string{`input name="a" type="x/id=y" =z="" "q"="1" a<b="" a=""`},
	},
	{
		name: "slash between attributes",
		doc:  `<input/name=a/type="hidden"/ >`,
		want: []string{`input name="a/type=\"hidden\"/"`},
	},
	{
		name: "self-closing syntax",
		doc:  `<br/><a href=x/><a href="x"/><a b/><form/>`,
		want: []string{`br /`, `a href="x/"`, `a href="x" /`, `a b="" /`, `form /`},
	},
	{
		name: "end tags keep no attributes",
		doc:  `</form class="invalid-feedback" x=">"><p>`,
		want: []string{`/form`, `p`},
	},
	{
		name: "comments",
		doc: `<!-- <input name=a> --><!--><input name=b><!---><input name=c>` +
			`<!--!><input name=d>--><!-- --!><input name=e><!-- -- ><input name=f> --><!----!><input name=g>`,
		want: []string{`input name="b"`, `input name="c"`, `input name="e"`, `input name="g"`},
	},
	{
		name: "unterminated comment",
		doc:  `<input name=a><!-- <input name=b>`,
		want: []string{`input name="a"`},
	},
	{
		name: "doctype, processing instruction and bogus comments",
		doc: `<!DOCTYPE html><?xml x="<input name=a>"?><input name=b></ input name=c><input name=d>` +
			`</><!x <input name=e><input name=f><![CDATA[<input name=g>]]>`,
		want: []string{`input name="b"`, `input name="d"`, `input name="f"`},
	},
	{
		name: "a '<' that starts no tag is text",
		doc:  `< input name=a><3 <input name=b><`,
		want: []string{`input name="b"`},
	},
	{
		name: "a tag cut off by the end is dropped",
		doc:  `<input name=a><input name="b`,
		want: []string{`input name="a"`},
	},
	{
		name: "script",
		doc:  `<script>var f = "<form><input name=a>"; if (a<b) {}</script><input name=b>`,
		want: []string{`script`, `/script`, `input name="b"`},
	},
	{
		name: "script ends at its end tag in any case, with attributes",
		doc:  `<script>"</scripts>" "<\/script>"</SCRIPT x=">"><input name=a>`,
		want: []string{`script`, `/script`, `input name="a"`},
	},
	{
		name: "script: escaped end tag",
		doc:  `<script><!--<script></script><input name=a>--></script><input name=b>`,
		want: []string{`script`, `/script`, `input name="b"`},
	},
	{
		name: "script: x/net/html leaves the escape at '<' and a non-letter",
		doc:  `<script><!-- <1 <script></script><input name=a>`,
		want: []string{`script`, `/script`, `input name="a"`},
	},
	{
		name: "script: the end of a comment ends the escape",
		doc:  `<script><!-- --> <script></script><input name=a>`,
		want: []string{`script`, `/script`, `input name="a"`},
	},
	{
		name: "script: self-closing is no end",
		doc:  `<script/><input name=a></script><input name=b>`,
		want: []string{`script /`, `/script`, `input name="b"`},
	},
	{
		name: "other raw text elements",
		doc: `<style>a<input name=a></style ><textarea><input name=b></textarea><title><input name=c></title>` +
			`<noscript><input name=d></noscript><xmp><input name=e></xmp><iframe><input name=f></iframe>` +
			`<noembed><input name=g></noembed><noframes><input name=h></noframes><input name=i>`,
		want: []string{
			`style`, `/style`, `textarea`, `/textarea`, `title`, `/title`, `noscript`, `/noscript`,
			`xmp`, `/xmp`, `iframe`, `/iframe`, `noembed`, `/noembed`, `noframes`, `/noframes`, `input name="i"`,
		},
	},
	{
		name: "raw text needs the whole end tag",
		doc:  `<title></title</titlex></TITLE/><input name=a>`,
		want: []string{`title`, `/title`, `input name="a"`},
	},
	{
		name: "unterminated raw text runs to the end",
		doc:  `<textarea><input name=a>`,
		want: []string{`textarea`},
	},
	{
		name: "plaintext never ends",
		doc:  `<plaintext><input name=a></plaintext>`,
		want: []string{`plaintext`},
	},
	{
		name: "ASCII case folding only",
		doc:  "<no\u017fcript><input name=a></no\u017fcript><script>\u212a</script><input name=b>",
		want: []string{"no\u017fcript", `input name="a"`, "/no\u017fcript", `script`, `/script`, `input name="b"`},
	},
	{
		name: "svg: no raw text, self-closing honoured, CDATA",
		doc: `<svg viewBox="0 0 1 1"><title/><style><![CDATA[<input name=a>]]></style><input name=b></svg>` +
			`<title><input name=c></title>`,
		want: []string{
			`svg viewbox="0 0 1 1"`, `title /`, `style`, `/style`, `input name="b"`, `/svg`, `title`, `/title`,
		},
	},
	{
		name: "self-closing svg and math open nothing",
		doc:  `<svg/><math/><title><input name=a></title>`,
		want: []string{`svg /`, `math /`, `title`, `/title`},
	},
	{
		name: "NUL in names and values",
		doc:  "<in\x00put na\x00me=\"a\x00b\">",
		want: []string{"in\uFFFDput na\uFFFDme=\"a\uFFFDb\""},
	},
}

func TestScanner(t *testing.T) {
	for _, tt := range scanTests {
		t.Run(tt.name, func(t *testing.T) {
			got := scanTags(tt.doc, false)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scanTags(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
			if want := htmlTags(tt.doc, false); !slices.Equal(got, want) {
				t.Errorf("scanTags(%q) = %q, x/net/html reads %q", tt.doc, got, want)
			}
		})
	}
}

var unescapeTests = []struct{ in, want string }{
	{"c&amp;1", "c&1"},
	{"&lt;&gt;&quot;&apos;&nbsp;", "<>\"'\u00A0"},
	{"&AMP;&LT;&GT;&QUOT;", `&<>"`},
	{"&amp &lt/&gt&quot&nbsp", "& </>\"\u00A0"},                            // legacy names need no ';'
	{"&ampx &amp1 &apos &Amp; &bogus;", "&ampx &amp1 &apos &Amp; &bogus;"}, // unknown: as written
	{"?a=1&amp=2&lt=3&amp;=4", "?a=1&amp=2&lt=3&=4"},                       // query strings
	{"&#39;&#x27;&#X27&#0039x", "''''x"},
	{"&#34;&#43;&#x2F;&#x2f", `"+//`},
	{"&#0;&#xD800;&#x110000;&#99999999999999999999;", "\uFFFD\uFFFD\uFFFD\uFFFD"},
	{"&#128;&#x9F;&#x81;&#13;", "\u20AC\u0178\u0081\r"},
	{"&#;&#x;&#&x;&", "&#;&#x;&#&x;&"},
	{"&#x1F600;&#233;", "\U0001F600\u00E9"},
	{"a\r\nb\rc\n", "a\nb\nc\n"},
	{"a\x00b&#0;", "a\uFFFDb\uFFFD"},
	{"\xff&amp;\xfe", "\xff&\xfe"},
}

func TestUnescapeAttr(t *testing.T) {
	for _, tt := range unescapeTests {
		if got := unescapeAttr(tt.in); got != tt.want {
			t.Errorf("unescapeAttr(%q) = %q, want %q", tt.in, got, tt.want)
		}
		z := html.NewTokenizer(strings.NewReader(`<a x="` + tt.in + `">`))
		z.Next()
		if _, want, _ := z.TagAttr(); string(want) != tt.want {
			t.Errorf("x/net/html decodes %q to %q, want %q", tt.in, want, tt.want)
		}
	}
}

// TestCP1252 checks the table of what numeric references to 0x80–0x9F
// mean against x/net/html's.
func TestCP1252(t *testing.T) {
	for c := 0x80; c <= 0x9F; c++ {
		ref := "&#" + string(rune('0'+c/100)) + string(rune('0'+c/10%10)) + string(rune('0'+c%10)) + ";"
		if got, want := unescapeAttr(ref), html.UnescapeString(ref); got != want {
			t.Errorf("unescapeAttr(%q) = %q, want %q", ref, got, want)
		}
	}
}

// TestParsePageFormOwner checks which form an input belongs to, and which
// elements count for invalidFeedback, against x/net/html too.
func TestParsePageFormOwner(t *testing.T) {
	f := func(id string, hidden ...string) *form {
		fm := &form{id: id}
		for _, h := range hidden {
			fm.hidden = append(fm.hidden, field{h, "1"})
		}
		return fm
	}
	tests := []struct {
		name string
		doc  string
		want *page
	}{
		{
			name: "an input belongs to the form it is in",
			doc:  `<input type=hidden name=a value=1><form id=f><div><input type=hidden name=b value=1></div></form><input type=hidden name=c value=1>`,
			want: &page{forms: []*form{f("f", "b")}},
		},
		{
			name: "a form inside a form is ignored, and its end tag ends the outer one",
			doc:  `<form id=f><input type=hidden name=a value=1><form id=g class=invalid-feedback><input type=hidden name=b value=1></form><input type=hidden name=c value=1></form>`,
			want: &page{forms: []*form{f("f", "a", "b")}},
		},
		{
			name: "the form attribute names a form, before or after",
			doc:  `<input form=g type=hidden name=a value=1><form id=f><input form=g type=hidden name=b value=1><input form=x type=hidden name=c value=1></form><form id=g></form><form id=g><input type=hidden name=d value=1></form>`,
			want: &page{forms: []*form{f("f"), f("g", "a", "b"), f("g", "d")}},
		},
		{
			name: "disabled and unnamed inputs are not submitted",
			doc:  `<form><input type=hidden name=a value=1 disabled><input type=hidden value=1><input type=hidden name=b value=1></form>`,
			want: &page{forms: []*form{f("", "b")}},
		},
		{
			name: "markup in raw text, comments and end tags counts for nothing",
			doc: `<form id=f><script>"<input type=hidden name=a value=1></form><form id=g>"</script>` +
				`<!-- <input type=hidden name=b value=1> <p class="invalid-feedback"> --><textarea><div class=invalid-feedback></textarea>` +
				`<input type=hidden name=c value=1></form class=invalid-feedback>`,
			want: &page{forms: []*form{f("f", "c")}},
		},
		{
			name: "invalid-feedback with a character reference",
			doc:  `<p class="alert invalid&#x2d;feedback">x</p>`,
			want: &page{invalidFeedback: true},
		},
	}
	opt := cmp.AllowUnexported(page{}, form{}, field{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePage(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, opt); diff != "" {
				t.Errorf("parsePage(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
			want, _ := parsePageHTML(strings.NewReader(tt.doc))
			if diff := cmp.Diff(want, got, opt); diff != "" {
				t.Errorf("parsePage(%q) mismatch (-x/net/html +got):\n%s", tt.doc, diff)
			}
		})
	}
}
