package safetext

import "testing"

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"maker@example.com", "maker@example.com"},
		{"jiří@příklad.cz", "jiří@příklad.cz"},
		{"a\nforged: line", `a\nforged: line`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"cr\rtab\tnul\x00del\x7f", `cr\rtab\tnul\x00del\x7f`},
		{"c1\u0085 bidi\u202e zw\u200b ls\u2028", `c1\u0085 bidi\u202e zw\u200b ls\u2028`},
		{"bad\xff\xe4utf8", `bad\xff\xe4utf8`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
