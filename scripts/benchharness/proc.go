package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// runTimeout bounds one process; a case that takes longer is an error.
const runTimeout = 20 * time.Second

// sample is one timed run.
type sample struct {
	wall   time.Duration
	cpu    time.Duration // user + system time of the child
	faults int64         // minor page faults of the child
}

// proc is a command to time: an executable, its argv (argv[0] first, which
// picks the helper's protocol), its environment and the file its stdin
// reads.
type proc struct {
	path  string
	argv  []string
	env   []string
	stdin string // "" means /dev/null
}

// outcome is what a run printed and how it ended.
type outcome struct {
	stdout, stderr []byte
	code           int
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", o.code, clip(o.stdout), clip(o.stderr))
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// started is a running process and what is needed to finish its run.
type started struct {
	p       *os.Process
	start   time.Time
	files   []*os.File
	outPath string
	errPath string
	killer  *time.Timer
}

// spawn opens the files of a run, then starts the clock and the process.
// The scratch files outPath and errPath receive stdout and stderr, so
// that no goroutine of this process copies pipes while the child runs.
func spawn(p proc, outPath, errPath string) (*started, error) {
	stdin := p.stdin
	if stdin == "" {
		stdin = os.DevNull
	}
	in, err := os.Open(stdin)
	if err != nil {
		return nil, err
	}
	out, err := os.Create(outPath)
	if err != nil {
		in.Close()
		return nil, err
	}
	errf, err := os.Create(errPath)
	if err != nil {
		in.Close()
		out.Close()
		return nil, err
	}
	s := &started{files: []*os.File{in, out, errf}, outPath: outPath, errPath: errPath}
	attr := &os.ProcAttr{Env: p.env, Files: s.files}
	s.start = time.Now()
	s.p, err = os.StartProcess(p.path, p.argv, attr)
	if err != nil {
		s.closeFiles()
		return nil, err
	}
	proc := s.p
	s.killer = time.AfterFunc(runTimeout, func() { proc.Kill() })
	return s, nil
}

func (s *started) closeFiles() {
	for _, f := range s.files {
		f.Close()
	}
}

// wait waits for the process, stops the clock and reads what it printed.
func (s *started) wait() (sample, outcome, error) {
	st, err := s.p.Wait()
	wall := time.Since(s.start)
	s.killer.Stop()
	s.closeFiles()
	if err != nil {
		return sample{}, outcome{}, err
	}
	// No RSS here: this process starts children the way Go does on
	// Linux, with vfork semantics, so the kernel counts this process's
	// own peak RSS into the child's ru_maxrss. See probeRSS.
	smp := sample{wall: wall, cpu: st.UserTime() + st.SystemTime(), faults: minorFaults(st)}
	var o outcome
	o.code = st.ExitCode()
	if o.code < 0 {
		return smp, o, fmt.Errorf("%v (after %v; the limit is %v)", st, wall.Round(time.Millisecond), runTimeout)
	}
	if o.stdout, err = os.ReadFile(s.outPath); err != nil {
		return smp, o, err
	}
	if o.stderr, err = os.ReadFile(s.errPath); err != nil {
		return smp, o, err
	}
	return smp, o, nil
}

// execOnce runs p once and returns its timing and output.
func execOnce(p proc, scratch string) (sample, outcome, error) {
	s, err := spawn(p, filepath.Join(scratch, "stdout"), filepath.Join(scratch, "stderr"))
	if err != nil {
		return sample{}, outcome{}, err
	}
	return s.wait()
}

// probeRSS runs p once through the probe program (scripts/benchharness/
// probe) and returns the child's peak RSS and the probe's own. A child
// that this harness started directly would report the harness's peak RSS
// (see the probe's doc comment); started from the small probe, a child's
// figure is its own peak whenever it exceeds the probe's (floor), and at
// or below floor only says "at most floor". /usr/bin/time -v, which
// uses fork, reads the same ru_maxrss.
func probeRSS(probe string, p proc, scratch string) (rss, floor int64, o outcome, err error) {
	report := filepath.Join(scratch, "probe-report")
	os.Remove(report)
	q := proc{path: probe, argv: append([]string{"probe", report, p.path}, p.argv...), env: p.env, stdin: p.stdin}
	_, o, err = execOnce(q, scratch)
	if err != nil {
		return 0, 0, o, err
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return 0, 0, o, fmt.Errorf("the probe wrote no report: %s", o)
	}
	if _, err := fmt.Sscan(string(data), &rss, &floor); err != nil {
		return 0, 0, o, fmt.Errorf("probe report %q: %w", data, err)
	}
	return rss, floor, o, nil
}

// bench is one timed case of a round.
type bench struct {
	name string
	// once does one run: its setup and checks outside the timed region,
	// the timed region itself, and returns the timed sample.
	once func() (sample, error)
	// warm and runs are how many runs are discarded and kept; 0 means
	// the round runner's defaults.
	warm, runs int
	samples    []sample
}

// rounds runs every bench warm+runs times, interleaved: in each round
// every bench that still needs runs goes once, in a new random order.
func rounds(benches []*bench, warm, runs int, rng *rand.Rand, deadline time.Time, progress func(round, total int)) error {
	total := 0
	for _, b := range benches {
		if b.warm == 0 {
			b.warm = warm
		}
		if b.runs == 0 {
			b.runs = runs
		}
		total = max(total, b.warm+b.runs)
	}
	order := slices.Clone(benches)
	for r := range total {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, b := range order {
			if r >= b.warm+b.runs {
				continue
			}
			s, err := b.once()
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", b.name, r+1, err)
			}
			if r >= b.warm {
				b.samples = append(b.samples, s)
			}
		}
		if progress != nil {
			progress(r+1, total)
		}
		if time.Now().After(deadline) {
			return errors.New("the time limit ran out; lower BENCH_RUNS")
		}
	}
	return nil
}

// stats summarises samples.
type stats struct {
	n                     int
	median, p25, p75, min time.Duration
	cpuMedian             time.Duration
	faultsMedian          int64
}

func summarise(samples []sample) stats {
	if len(samples) == 0 {
		return stats{}
	}
	walls := make([]time.Duration, len(samples))
	cpus := make([]time.Duration, len(samples))
	faults := make([]int64, len(samples))
	for i, s := range samples {
		walls[i], cpus[i], faults[i] = s.wall, s.cpu, s.faults
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	slices.Sort(faults)
	return stats{
		n:            len(samples),
		median:       quantile(walls, 0.5),
		p25:          quantile(walls, 0.25),
		p75:          quantile(walls, 0.75),
		min:          walls[0],
		cpuMedian:    quantile(cpus, 0.5),
		faultsMedian: quantile(faults, 0.5),
	}
}

// quantile of sorted values, interpolated between the two nearest ranks.
func quantile[T ~int64](sorted []T, q float64) T {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(i)
	return sorted[i] + T(frac*float64(sorted[i+1]-sorted[i]))
}

// ms formats a duration in milliseconds with three significant decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
