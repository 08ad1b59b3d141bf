// Command genman writes the man page of prusa-credential-helper from the
// command line's own definitions (cli.Program.Command), so the page and
// --help never disagree:
//
//	go run ./scripts/genman                 # writes docs/prusa-credential-helper.1
//	go run ./scripts/genman -o -            # to stdout
//
// A test checks that the committed page is up to date.
package main

import (
	"flag"
	"fmt"
	"os"
)

// DefaultOutput is where the man page lives in the repository, relative to
// its root.
const DefaultOutput = "docs/prusa-credential-helper.1"

func main() {
	out := flag.String("o", DefaultOutput, "output file, or - for stdout")
	flag.Parse()
	page, err := Page()
	if err == nil {
		if *out == "-" {
			_, err = os.Stdout.WriteString(page)
		} else {
			err = os.WriteFile(*out, []byte(page), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genman:", err)
		os.Exit(1)
	}
}
