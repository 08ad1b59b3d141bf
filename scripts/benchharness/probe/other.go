//go:build !unix

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "probe: peak RSS is measured on Unix systems only")
	os.Exit(2)
}
