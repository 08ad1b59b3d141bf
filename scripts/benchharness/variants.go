package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// namedPaths is a repeatable NAME=PATH flag.
type namedPaths []namedPath

type namedPath struct{ name, path string }

func (n *namedPaths) String() string { return fmt.Sprint(*n) }

func (n *namedPaths) Set(v string) error {
	i := strings.LastIndexByte(v, '=') // a name may hold "=", a path does not here
	if i <= 0 || i == len(v)-1 {
		return fmt.Errorf("%q is not NAME=PATH", v)
	}
	*n = append(*n, namedPath{v[:i], v[i+1:]})
	return nil
}

// cmdVariants times builds of the helper (start-up alone and a fresh git
// get) and programs that only link some of its dependencies, interleaved,
// against the net/http program: what each build choice and each
// dependency costs.
func cmdVariants(args []string) error {
	var helpers, programs namedPaths
	fs := flag.NewFlagSet("variants", flag.ContinueOnError)
	fs.Var(&helpers, "helper", "a build of the helper, `NAME=PATH` (repeatable)")
	fs.Var(&programs, "program", "a program that is timed as it is, `NAME=PATH` (repeatable)")
	baselines := fs.String("baselines", "", "`directory` holding the baseline programs empty and nethttp")
	fakePath := fs.String("fake", "", "the fakeaccount `binary`")
	probe := fs.String("probe", "", "the probe `binary` (./probe) that measures peak RSS")
	work := fs.String("work", "", "scratch `directory`")
	runs := fs.Int("runs", 100, "kept runs per binary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *baselines == "" || *fakePath == "" || *probe == "" || *work == "" || fs.NArg() > 0 {
		return fmt.Errorf("variants needs -baselines, -fake, -probe and -work\n%s", usage)
	}
	scratch, h, fk, reqPrusa, err := freshSetup(*fakePath, *work)
	if err != nil {
		return err
	}
	defer fk.close()
	env := h.env(fk.url)

	type row struct {
		name, path   string
		start, fresh *check
		size         int64
		helper       bool
	}
	var rows []*row
	var checks []*check
	add := func(name, path string, helper bool) {
		r := &row{name: name, path: path, size: fileSize(path), helper: helper}
		mk := func(label string, p proc, want string) *check {
			ck := &check{p: &p}
			ck.name = name + " " + label
			ck.once = func() (sample, error) {
				s, o, err := execOnce(p, scratch)
				if err == nil && want != "" {
					ck.answers(o, 0, want, false)
				}
				return s, err
			}
			checks = append(checks, ck)
			return ck
		}
		if helper {
			r.start = mk("version", proc{path: path, argv: []string{"docker-credential-prusa", "version"}, env: env}, "docker-credential-prusa")
			r.fresh = mk("git get", proc{path: path, argv: []string{"git-credential-prusa", "get"}, env: env, stdin: reqPrusa}, "password=ey")
		} else {
			r.start = mk("", proc{path: path, argv: []string{name}, env: env, stdin: reqPrusa}, "")
		}
		rows = append(rows, r)
	}
	add("empty", filepath.Join(*baselines, "empty"), false)
	add("net/http", filepath.Join(*baselines, "nethttp"), false)
	for _, p := range programs {
		add(p.name, p.path, false)
	}
	for _, p := range helpers {
		add(p.name, p.path, true)
	}
	for _, ck := range checks {
		if _, err := ck.once(); err != nil {
			return fmt.Errorf("%s: %w", ck.name, err)
		}
		if ck.bad > 0 {
			return fmt.Errorf("%s: %s", ck.name, ck.firstBad)
		}
	}
	benches := make([]*bench, len(checks))
	for i, ck := range checks {
		benches[i] = &ck.bench
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	if err := rounds(benches, 3, *runs, rng, time.Now().Add(15*time.Minute), nil); err != nil {
		return err
	}
	var floor int64
	for _, ck := range checks {
		for range rssRuns {
			rss, f, _, err := probeRSS(*probe, *ck.p, scratch)
			if err != nil {
				return fmt.Errorf("%s: peak RSS: %w", ck.name, err)
			}
			ck.rss, floor = max(ck.rss, rss), max(floor, f)
		}
	}
	net := summarise(rows[1].start.samples).median
	fmt.Printf("_Each binary %d times, interleaved; ratios to the static net/http program (%s)._\n\n", *runs, ms(net))
	fmt.Println("| binary | size | start-up, no work | × net/http | page faults | fresh git `get` | × net/http | page faults | peak RSS |")
	fmt.Println("| --- | --: | --: | --: | --: | --: | --: | --: | --: |")
	for _, r := range rows {
		s := summarise(r.start.samples)
		fresh, freshRatio, freshFaults, rss := "—", "—", "—", rssText(r.start.rss, floor)
		if r.fresh != nil {
			f := summarise(r.fresh.samples)
			fresh = ms(f.median)
			freshRatio = fmt.Sprintf("%.2f×", float64(f.median)/float64(net))
			freshFaults = fmt.Sprint(f.faultsMedian)
			rss = rssText(r.fresh.rss, floor)
		}
		fmt.Printf("| %s | %s | %s | %.2f× | %d | %s | %s | %s | %s |\n", r.name, mib(r.size), ms(s.median),
			float64(s.median)/float64(net), s.faultsMedian, fresh, freshRatio, freshFaults, rss)
	}
	for _, ck := range checks {
		if ck.bad > 0 {
			return fmt.Errorf("%s: %d wrong answers; the first: %s", ck.name, ck.bad, ck.firstBad)
		}
	}
	return nil
}

// freshSetup starts the fake account and makes a home with a fresh
// session and the request of a git get for the Prusa host.
func freshSetup(fakePath, work string) (scratch string, h *home, fk *fake, req string, err error) {
	scratch = filepath.Join(work, "scratch")
	if err = os.MkdirAll(scratch, 0o700); err != nil {
		return
	}
	if fk, err = startFake(fakePath, filepath.Join(work, "fakeaccount.log")); err != nil {
		return
	}
	defer func() {
		if err != nil {
			fk.close()
		}
	}()
	var session []byte
	if session, err = fk.issue(24 * time.Hour); err != nil {
		return
	}
	if h, err = newHome(filepath.Join(work, "homes"), "fresh"); err != nil {
		return
	}
	if err = h.writeSession(session); err != nil {
		return
	}
	req, err = writeRequest(work, "req-prusa", gitRequest(prusaHost))
	return
}

// initLine is one line of GODEBUG=inittrace=1:
//
//	init net/http @4.2 ms, 0.023 ms clock, 4712 bytes, 49 allocs
type initLine struct {
	pkg           string
	at, clock     time.Duration
	bytes, allocs int64
}

func parseInitTrace(stderr []byte) []initLine {
	var out []initLine
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// init PKG @X ms, Y ms clock, B bytes, A allocs
		if len(f) != 11 || f[0] != "init" || !strings.HasPrefix(f[2], "@") {
			continue
		}
		at, err1 := strconv.ParseFloat(strings.TrimPrefix(f[2], "@"), 64)
		clock, err2 := strconv.ParseFloat(f[4], 64)
		b, err3 := strconv.ParseInt(f[7], 10, 64)
		a, err4 := strconv.ParseInt(f[9], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			continue
		}
		out = append(out, initLine{f[1], time.Duration(at * 1e6), time.Duration(clock * 1e6), b, a})
	}
	return out
}

// cmdInittrace runs a fresh git get with GODEBUG=inittrace=1 many times
// and lists the package inits by their median clock time.
func cmdInittrace(args []string) error {
	fs := flag.NewFlagSet("inittrace", flag.ContinueOnError)
	runs := fs.Int("runs", 50, "runs")
	minClock := fs.Duration("min", 20*time.Microsecond, "list packages whose median init takes at least this long")
	baseline := fs.String("baseline", "", "also trace this `program` (the net/http one) to mark the inits it has too")
	fakePath := fs.String("fake", "", "the fakeaccount `binary`")
	work := fs.String("work", "", "scratch `directory`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *fakePath == "" || *work == "" {
		return fmt.Errorf("inittrace needs -fake, -work and one binary\n%s", usage)
	}
	scratch, h, fk, reqPrusa, err := freshSetup(*fakePath, *work)
	if err != nil {
		return err
	}
	defer fk.close()
	env := append(h.env(fk.url), "GODEBUG=inittrace=1")

	type agg struct {
		clocks        []time.Duration
		bytes, allocs int64
	}
	trace := func(p proc) (map[string]*agg, []time.Duration, []time.Duration, error) {
		pkgs := map[string]*agg{}
		var sums, mains []time.Duration
		for range *runs {
			_, o, err := execOnce(p, scratch)
			if err != nil {
				return nil, nil, nil, err
			}
			lines := parseInitTrace(o.stderr)
			if len(lines) == 0 {
				return nil, nil, nil, fmt.Errorf("%s printed no init trace: %s", p.path, o)
			}
			var sum, end time.Duration
			for _, l := range lines {
				a := pkgs[l.pkg]
				if a == nil {
					a = &agg{bytes: l.bytes, allocs: l.allocs}
					pkgs[l.pkg] = a
				}
				a.clocks = append(a.clocks, l.clock)
				sum += l.clock
				end = max(end, l.at+l.clock)
			}
			sums = append(sums, sum)
			mains = append(mains, end)
		}
		return pkgs, sums, mains, nil
	}
	pkgs, sums, mains, err := trace(proc{path: fs.Arg(0), argv: []string{"git-credential-prusa", "get"}, env: env, stdin: reqPrusa})
	if err != nil {
		return err
	}
	var base map[string]*agg
	var baseSums []time.Duration
	if *baseline != "" {
		if base, baseSums, _, err = trace(proc{path: *baseline, argv: []string{"baseline"}, env: env}); err != nil {
			return err
		}
	}
	type entry struct {
		pkg    string
		median time.Duration
		a      *agg
	}
	var list []entry
	for pkg, a := range pkgs {
		slices.Sort(a.clocks)
		list = append(list, entry{pkg, quantile(a.clocks, 0.5), a})
	}
	slices.SortFunc(list, func(x, y entry) int { return int(y.median - x.median) })
	slices.Sort(sums)
	slices.Sort(mains)
	fmt.Printf("_GODEBUG=inittrace=1 on a fresh git `get`, %d runs: %d packages have an init; their clock times add up to %s (median); main starts about %s after the runtime (median; tracing itself slows the start)._\n\n",
		*runs, len(list), ms(quantile(sums, 0.5)), ms(quantile(mains, 0.5)))
	if base != nil {
		slices.Sort(baseSums)
		fmt.Printf("_The net/http program has %d package inits adding up to %s._\n\n", len(base), ms(quantile(baseSums, 0.5)))
	}
	fmt.Println("| package | init clock (median) | heap bytes | allocs | in the net/http program too |")
	fmt.Println("| --- | --: | --: | --: | --- |")
	var rest time.Duration
	var restN int
	for _, e := range list {
		if e.median < *minClock {
			rest += e.median
			restN++
			continue
		}
		also := "—"
		if base != nil {
			also = "no"
			if _, ok := base[e.pkg]; ok {
				also = "yes"
			}
		}
		fmt.Printf("| %s | %s | %d | %d | %s |\n", e.pkg, ms(e.median), e.a.bytes, e.a.allocs, also)
	}
	fmt.Printf("| %d other packages, under %v each | %s | | | |\n", restN, *minClock, ms(rest))
	return nil
}

// cmdSizes attributes the size of an unstripped ELF binary to its
// sections, and the symbols of its file-backed sections to modules and
// packages.
func cmdSizes(args []string) error {
	fs := flag.NewFlagSet("sizes", flag.ContinueOnError)
	top := fs.Int("top", 25, "packages to list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("sizes needs one unstripped binary\n%s", usage)
	}
	f, err := elf.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w (sizes reads ELF binaries only)", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("%w (is the binary unstripped?)", err)
	}
	bySection := map[string]int64{}
	for _, sec := range f.Sections {
		if sec.Type != elf.SHT_NOBITS && sec.Size > 0 && sec.Flags&elf.SHF_ALLOC != 0 {
			bySection[sec.Name] = int64(sec.Size)
		}
	}
	byPkg := map[string]int64{}
	var total int64
	for _, sym := range syms {
		i := int(sym.Section)
		if i <= 0 || i >= len(f.Sections) || sym.Size == 0 {
			continue
		}
		sec := f.Sections[i]
		if sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_ALLOC == 0 {
			continue // bss takes no room in the file; debug info is stripped by -s -w
		}
		byPkg[symbolPackage(sym.Name)] += int64(sym.Size)
		total += int64(sym.Size)
	}
	byMod := map[string]int64{}
	for pkg, size := range byPkg {
		byMod[modulePath(pkg)] += size
	}
	fi, err := os.Stat(fs.Arg(0))
	if err != nil {
		return err
	}
	var loaded int64
	for _, v := range bySection {
		loaded += v
	}
	fmt.Printf("_%s: %s on disk unstripped; %s in loaded sections (what -s -w keeps, about), of which %s in named symbols._\n\n",
		filepath.Base(fs.Arg(0)), mib(fi.Size()), mib(loaded), mib(total))
	printSizes("section", bySection, 0)
	fmt.Println()
	printSizes("module (named symbols)", byMod, 0)
	fmt.Println()
	printSizes("package (named symbols)", byPkg, *top)
	return nil
}

func printSizes(what string, m map[string]int64, top int) {
	type kv struct {
		k string
		v int64
	}
	var list []kv
	var total int64
	for k, v := range m {
		list = append(list, kv{k, v})
		total += v
	}
	slices.SortFunc(list, func(a, b kv) int { return int(b.v - a.v) })
	if top > 0 && len(list) > top {
		list = list[:top]
	}
	fmt.Printf("| %s | size | share |\n| --- | --: | --: |\n", what)
	for _, e := range list {
		fmt.Printf("| %s | %s | %.1f%% |\n", e.k, kib(e.v), 100*float64(e.v)/float64(total))
	}
}

func kib(b int64) string { return fmt.Sprintf("%d KiB", (b+512)/1024) }

// symbolPackage guesses the package of a symbol name: "net/http.(*Client).Do",
// "type:*net/http.Request", "go:itab.*os.File,io.Reader" (the concrete
// type's package), "slices.partitionCmpFunc[...]" (generic arguments do
// not count).
func symbolPackage(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	for _, p := range []string{"type:", "go:itab.", "go:info."} {
		name = strings.TrimPrefix(name, p)
	}
	name = strings.TrimLeft(name, "*")
	for _, p := range []string{".eq.", ".hash."} {
		name = strings.TrimPrefix(name, p)
	}
	if strings.HasPrefix(name, "go:") {
		return "go: (compiler-generated data)"
	}
	if i := strings.IndexByte(name, ','); i >= 0 {
		name = name[:i]
	}
	name = strings.TrimLeft(name, "*")
	for _, p := range []string{"go.shape", "struct", "func(", "interface", "chan ", "map", "noalg."} {
		if strings.HasPrefix(name, p) {
			return "(generic shapes and unnamed types)"
		}
	}
	slash := strings.LastIndexByte(name, '/')
	i := strings.IndexByte(name[slash+1:], '.')
	if name == "" || i < 0 {
		return "(generic shapes and unnamed types)"
	}
	return name[:slash+1+i]
}

// modulePath groups a package into its module: the standard library, or
// the first path elements of a module path.
func modulePath(pkg string) string {
	first, _, _ := strings.Cut(pkg, "/")
	if !strings.Contains(first, ".") {
		if strings.HasPrefix(pkg, "vendor/") {
			return "std (vendored golang.org/x)"
		}
		if strings.HasPrefix(pkg, "go:") || strings.HasPrefix(pkg, "(") || pkg == "" {
			return pkg
		}
		return "std"
	}
	parts := strings.Split(pkg, "/")
	n := 3
	if len(parts) > 3 && (strings.HasPrefix(parts[3], "v") && len(parts[3]) <= 3) {
		n = 4 // a major version suffix: github.com/urfave/cli/v2
	}
	if len(parts) < n {
		n = len(parts)
	}
	return strings.Join(parts[:n], "/")
}
