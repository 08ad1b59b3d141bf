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
//	benchharness variants -baselines DIR -fake PATH -probe PATH -work DIR [-runs N] [-helper NAME=PATH]... [-program NAME=PATH]...
//	benchharness inittrace [-runs N] -work DIR -fake PATH BINARY
//	benchharness sizes [-top N] BINARY
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
  benchharness variants -baselines DIR -fake PATH -probe PATH -work DIR [-runs N] [-helper NAME=PATH]... [-program NAME=PATH]...
  benchharness inittrace [-runs N] [-min DURATION] -fake PATH -work DIR BINARY
  benchharness sizes [-top N] BINARY
`

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		return cmdRun(args[1:])
	case "variants":
		err = cmdVariants(args[1:])
	case "inittrace":
		err = cmdInittrace(args[1:])
	case "sizes":
		err = cmdSizes(args[1:])
	default:
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchharness: error: %v\n", err)
		return 1
	}
	return 0
}
