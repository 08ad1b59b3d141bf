//go:build bench_html || bench_all

package main

import (
	"os"

	"golang.org/x/net/html"
)

var _ = link(func() { html.Parse(os.Stdin) })
