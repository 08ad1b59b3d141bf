// Command benchharness times the credential helper against the Go floor
// for scripts/bench.sh (issue 6). It uses the standard library only, so
// that it runs wherever Go does.
//
// Every case is a process (or a small HTTP request) timed from its start
// to its exit, wall clock. Runs of all cases are interleaved: each round
// runs every case once, in a shuffled order, so that a slow moment of the
// machine falls on helper and baseline alike and cancels out in the
// ratios. Setup that a case needs for every run (such as making the
// session stale again) happens outside the timed region. CPU time comes
// from each child's rusage; peak RSS from separate runs through the small
// program in ./probe, because a child that this harness starts directly
// inherits the harness's own peak RSS in its ru_maxrss (see the probe's
// doc comment). /usr/bin/time -v reads the same ru_maxrss.
//
// Usage:
//
//	benchharness run -bin DIR -baselines DIR -fake PATH -probe PATH -work DIR [-runs N] [-strict]
//
// It prints one markdown table and exits 0 even when rows FAIL, unless
// -strict is given: then a FAIL row makes it exit 1.
//
// scripts/bench.sh builds the binaries and calls it; see BENCHMARKS.md.
package main

import (
	"fmt"
	"os"
)

func main() { os.Exit(run(os.Args[1:])) }

const usage = `usage:
  benchharness run -bin DIR -baselines DIR -fake PATH -probe PATH -work DIR [-runs N] [-concurrency N] [-strict] [-details]
`

func run(args []string) int {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	return cmdRun(args[1:])
}
