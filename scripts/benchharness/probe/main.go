//go:build unix

// Command probe runs one command and reports its peak resident set size,
// for scripts/benchharness. It is a separate, small program because a
// child's ru_maxrss includes the peak RSS of the process that started it
// whenever it is started with vfork semantics, as Go's os.StartProcess
// does on Linux: at exec the kernel records the old address space's
// high-water mark. Started from the harness, whose heap holds the stores
// it wrote, every child would show the harness's RSS; started from this
// probe, a child's figure is its own peak whenever it exceeds the probe's.
//
// Usage:
//
//	probe REPORT PATH ARGV0 [ARGS...]
//
// runs PATH with argv ARGV0 ARGS..., this process's stdin, stdout, stderr
// and environment, writes "CHILD_PEAK_RSS PROBE_PEAK_RSS" (bytes) to
// REPORT and exits with the child's status.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: probe REPORT PATH ARGV0 [ARGS...]")
		return 2
	}
	floor := selfHWM()
	p, err := os.StartProcess(args[1], args[2:], &os.ProcAttr{Env: os.Environ(), Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "probe: %v\n", err)
		return 2
	}
	st, err := p.Wait()
	if err != nil {
		fmt.Fprintf(os.Stderr, "probe: %v\n", err)
		return 2
	}
	var rss int64
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss)
		if runtime.GOOS != "darwin" && runtime.GOOS != "ios" {
			rss *= 1024 // KiB on Linux and the BSDs, bytes on macOS
		}
	}
	if err := os.WriteFile(args[0], []byte(strconv.FormatInt(rss, 10)+" "+strconv.FormatInt(floor, 10)+"\n"), 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "probe: %v\n", err)
		return 2
	}
	return st.ExitCode()
}

// selfHWM is this process's peak RSS so far (VmHWM), in bytes; 0 where
// /proc does not say.
func selfHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
