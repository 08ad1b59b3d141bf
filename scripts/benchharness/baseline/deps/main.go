// Command deps is the net/http program plus some of the libraries the
// helper links, chosen with build tags, so that scripts/bench.sh can time
// what each library costs a process at start-up (package init, binary
// size) without any of the helper's own code:
//
//	bench_html     golang.org/x/net/html
//	bench_oauth2   golang.org/x/oauth2
//	bench_cli      github.com/urfave/cli/v2 (add urfave_cli_no_docs to drop its docs support)
//	bench_docker   github.com/docker/docker-credential-helpers/credentials
//	bench_flock    github.com/gofrs/flock
//	bench_term     golang.org/x/term
//	bench_all      all of them
//	bench_signal   os/signal.NotifyContext for SIGINT, called at start-up as
//	               the helper's main calls it (not part of bench_all)
//
// Each library is used the way the helper uses it, behind a condition
// that is never true when timed, so that the linker keeps what the helper
// keeps.
package main

import (
	"net/http"
	"os"
)

// linked holds a use of each library compiled in.
var linked []func()

func link(f func()) bool {
	linked = append(linked, f)
	return true
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "use" {
		resp, err := http.Get(os.Args[2])
		if err == nil {
			resp.Body.Close()
		}
		for _, f := range linked {
			f()
		}
	}
}
