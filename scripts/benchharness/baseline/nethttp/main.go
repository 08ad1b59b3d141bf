// Command nethttp is the floor of a credential helper that can refresh a
// token: a static program (CGO_ENABLED=0) that links net/http's client
// and does nothing with it unless asked to. scripts/bench.sh times the
// helper against it.
package main

import (
	"net/http"
	"os"
)

func main() {
	// Never true when timed; it keeps the client, its transport and TLS
	// linked, as a helper that can refresh has them.
	if len(os.Args) == 3 && os.Args[1] == "fetch" {
		resp, err := http.Get(os.Args[2])
		if err != nil {
			os.Exit(1)
		}
		resp.Body.Close()
	}
}
