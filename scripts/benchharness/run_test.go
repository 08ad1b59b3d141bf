package main

import "testing"

func TestExitCode(t *testing.T) {
	tests := []struct {
		name   string
		rows   []string // the result cell of each row
		strict bool
		want   int
	}{
		{"all pass", []string{"pass", "info"}, false, 0},
		{"all pass, strict", []string{"pass", "info"}, true, 0},
		{"a FAIL row", []string{"pass", verdict(false)}, false, 0},
		{"a FAIL row, strict", []string{"pass", verdict(false)}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tbl table
			for _, r := range tt.rows {
				tbl.add("case", "1 ms", "1 ms", "1.00×", "≤ 1.15×", r)
			}
			if got := exitCode(tbl.failed, tt.strict); got != tt.want {
				t.Errorf("exitCode(failed=%v, strict=%v) = %d, want %d", tbl.failed, tt.strict, got, tt.want)
			}
		})
	}
}
