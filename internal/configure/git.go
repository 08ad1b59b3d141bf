package configure

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/childenv"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// Runner runs git with args and returns what it printed on standard
// output. When git runs and fails the error is a *GitError; when it cannot
// start, the error of starting it (wrapping exec.ErrNotFound when git is
// not installed). Arguments are never secrets.
type Runner func(ctx context.Context, args ...string) ([]byte, error)

// GitError is git exiting with a non-zero status.
type GitError struct {
	Args   []string
	Code   int
	Stderr string
}

func (e *GitError) Error() string {
	msg, _, _ := strings.Cut(strings.TrimSpace(e.Stderr), "\n")
	msg = cmp.Or(msg, fmt.Sprintf("exit status %d", e.Code))
	args := slices.Clone(e.Args)
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			args[i] = strconv.Quote(a)
		}
	}
	return fmt.Sprintf("git %s: %s", strings.Join(args, " "), msg)
}

// ExecGit runs the git on PATH, in the current directory, with the
// process's environment less its secrets (childenv).
func ExecGit(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = childenv.Environ()
	out, err := cmd.Output() // Stderr unset: a failure keeps it in the *exec.ExitError
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return out, &GitError{Args: args, Code: ee.ExitCode(), Stderr: string(ee.Stderr)}
	}
	if errors.Is(err, exec.ErrNotFound) {
		return nil, hint.With(fmt.Errorf("git is not installed: %w", err), "install git, or add it to PATH")
	}
	return out, err
}

// Git scopes: the config file that Configure and Unconfigure edit.
var (
	GlobalScope = []string{"--global"}
	LocalScope  = []string{"--local"}
)

// FileScope is the git config file at path.
func FileScope(path string) []string { return []string{"--file", path} }

// Git edits the credential helper entries of the Prusa hosts in one git
// config file.
type Git struct {
	// Run runs git; nil means ExecGit.
	Run Runner
	// Scope chooses the file: GlobalScope (nil means it), LocalScope or
	// FileScope(path).
	Scope []string
	// Hosts are the Prusa hosts (helper.Hosts.Names).
	Hosts []string
}

// Result says what a Configure or Unconfigure of git or docker did.
type Result struct {
	// Changed are the hosts whose entries were written or removed;
	// Unchanged the ones that were already as wanted.
	Changed, Unchanged []string
	// File names the config file: for git as git names it or, when git
	// cannot say (nothing of ours was there), as the scope does.
	File string
}

// GitKey is the multi-valued config key that holds the helpers git uses
// for https://host.
func GitKey(host string) string { return "credential.https://" + host + ".helper" }

// IsOurs reports whether a credential.helper value runs this helper as
// configure writes it: "prusa", with or without options after it.
func IsOurs(value string) bool {
	return value == HelperName || strings.HasPrefix(value, HelperName+" ")
}

// oursRegexp matches IsOurs values, for git config's value patterns
// (POSIX extended regular expressions).
const oursRegexp = "^" + HelperName + "( .*)?$"

// gitOp is one git config invocation of a plan, without the scope.
type gitOp []string

// Configure makes each host's helper list start with the empty reset
// entry and then "prusa", so that no other helper answers for the host or
// stores its tokens (gitcredentials(7): "If credential.helper is
// configured to the empty string, this resets the helper list to empty"):
//
//	[credential "https://connect.prusa3d.com"]
//		helper =
//		helper = prusa
//
// A host whose list already starts that way is left alone, whatever
// follows (doctor reports helpers after ours). A list that holds only
// resets and prusa entries in another shape is rewritten. A list that
// holds other helpers is an error, and then nothing is written for any
// host: putting the reset before them would silently disable them.
func (g *Git) Configure(ctx context.Context) (Result, error) {
	var res Result
	plans := map[string][]gitOp{}
	for _, host := range g.Hosts {
		key := GitKey(host)
		vals, err := g.values(ctx, key)
		if err != nil {
			return res, err
		}
		ops, err := planConfigure(key, vals)
		if err != nil {
			return res, hint.With(fmt.Errorf("%s in %s: %w", key, g.describe(ctx, key), err),
				fmt.Sprintf("remove the other helpers for this URL (git config %s --unset-all %s), or scope them to other hosts; then run configure again", g.scopeArgs(), key))
		}
		plans[host] = ops
	}
	for _, host := range g.Hosts {
		ops := plans[host]
		if len(ops) == 0 {
			res.Unchanged = append(res.Unchanged, host)
			continue
		}
		if err := g.apply(ctx, ops); err != nil {
			return res, err
		}
		res.Changed = append(res.Changed, host)
	}
	res.File = g.scopeName()
	if len(g.Hosts) > 0 {
		res.File = g.describe(ctx, GitKey(g.Hosts[0]))
	}
	return res, nil
}

// planConfigure returns the git config invocations that turn vals, the
// helper list of key, into one that starts with the reset and prusa.
func planConfigure(key string, vals []string) ([]gitOp, error) {
	if configured(vals) {
		return nil, nil
	}
	ours := HelperName
	if i := slices.IndexFunc(vals, IsOurs); i >= 0 {
		ours = vals[i]
	}
	var others []string
	for _, v := range vals {
		if v != "" && !IsOurs(v) {
			others = append(others, fmt.Sprintf("%q", v))
		}
	}
	if len(others) > 0 {
		return nil, fmt.Errorf("already lists other helpers (%s)", strings.Join(others, ", "))
	}
	var ops []gitOp
	if len(vals) > 0 {
		ops = append(ops, gitOp{"--unset-all", key})
	}
	return append(ops, gitOp{"--add", key, ""}, gitOp{"--add", key, ours}), nil
}

// configured reports whether a helper list starts with the reset and
// prusa, and nothing after them resets it again.
func configured(vals []string) bool {
	return len(vals) >= 2 && vals[0] == "" && IsOurs(vals[1]) && !slices.Contains(vals[2:], "")
}

// Unconfigure removes what Configure adds: every prusa entry of each
// host's helper list and the reset entry right before each one. Other
// helpers, and resets that belong to them, stay. git removes a section
// that this leaves empty.
func (g *Git) Unconfigure(ctx context.Context) (Result, error) {
	var res Result
	for _, host := range g.Hosts {
		key := GitKey(host)
		vals, err := g.values(ctx, key)
		if err != nil {
			return res, err
		}
		ops := planUnconfigure(key, vals)
		if len(ops) == 0 {
			res.Unchanged = append(res.Unchanged, host)
			continue
		}
		if res.File == "" {
			res.File = g.origin(ctx, key)
		}
		if err := g.apply(ctx, ops); err != nil {
			return res, err
		}
		res.Changed = append(res.Changed, host)
	}
	res.File = cmp.Or(res.File, g.scopeName())
	return res, nil
}

// planUnconfigure returns the git config invocations that remove our
// entries from vals, the helper list of key. When every reset in the list
// is one of ours, value patterns remove exactly our lines; otherwise the
// list is rewritten without them, in the same order.
func planUnconfigure(key string, vals []string) []gitOp {
	if !slices.ContainsFunc(vals, IsOurs) {
		return nil
	}
	remove := make([]bool, len(vals))
	resets, ourResets := 0, 0
	for i, v := range vals {
		if v == "" {
			resets++
		}
		if !IsOurs(v) {
			continue
		}
		remove[i] = true
		if i > 0 && vals[i-1] == "" && !remove[i-1] {
			remove[i-1] = true
			ourResets++
		}
	}
	if ourResets == resets {
		ops := []gitOp{{"--unset-all", key, oursRegexp}}
		if ourResets > 0 {
			ops = append(ops, gitOp{"--unset-all", key, "^$"})
		}
		return ops
	}
	ops := []gitOp{{"--unset-all", key}}
	for i, v := range vals {
		if !remove[i] {
			ops = append(ops, gitOp{"--add", key, v})
		}
	}
	return ops
}

func (g *Git) run(ctx context.Context, args ...string) ([]byte, error) {
	return g.runner()(ctx, append(append([]string{"config"}, g.scope()...), args...)...)
}

func (g *Git) runner() Runner {
	if g.Run == nil {
		return ExecGit
	}
	return g.Run
}

func (g *Git) scope() []string {
	if len(g.Scope) == 0 {
		return GlobalScope
	}
	return g.Scope
}

func (g *Git) scopeArgs() string {
	var quoted []string
	for _, a := range g.scope() {
		if strings.ContainsAny(a, " \t'\"") {
			a = "'" + a + "'"
		}
		quoted = append(quoted, a)
	}
	return strings.Join(quoted, " ")
}

func (g *Git) apply(ctx context.Context, ops []gitOp) error {
	for _, op := range ops {
		if _, err := g.run(ctx, op...); err != nil {
			return err
		}
	}
	return nil
}

// values returns the helper list of key in the scope's file, in order.
func (g *Git) values(ctx context.Context, key string) ([]string, error) {
	out, err := g.run(ctx, "--null", "--get-all", key)
	if ge, ok := errors.AsType[*GitError](err); ok && ge.Code == 1 {
		return nil, nil // the key is not set
	}
	if err != nil {
		return nil, g.outsideRepository(ctx, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"), nil // each value ends with a NUL
}

// ErrNotInRepository is wrapped by the error of the local scope outside a
// git repository, where there is no local config to edit.
var ErrNotInRepository = errors.New("the current directory is not in a git repository")

// outsideRepository turns err, the failure of the first git config
// call, into ErrNotInRepository with its fix when the scope is the local
// one and git finds no repository here. git says so in words that vary
// with its version ("--local can only be used inside a git repository",
// "not in a git directory"), always with exit status 128; asking git
// rev-parse settles it without reading the words.
func (g *Git) outsideRepository(ctx context.Context, err error) error {
	ge, ok := errors.AsType[*GitError](err)
	if !ok || ge.Code != 128 || !slices.Equal(g.scope(), LocalScope) {
		return err
	}
	if _, rerr := g.runner()(ctx, "rev-parse", "--git-dir"); rerr == nil {
		return err
	}
	return hint.With(fmt.Errorf("--local: %w", ErrNotInRepository),
		"run it inside the repository whose config it should change (cd to it first), or choose another file: --global (the default) or --file PATH")
}

// origin returns the file that holds key, as git names it, or "".
func (g *Git) origin(ctx context.Context, key string) string {
	out, err := g.run(ctx, "--null", "--show-origin", "--get-all", key)
	if err != nil {
		return ""
	}
	origin, _, _ := strings.Cut(string(out), "\x00")
	return strings.TrimPrefix(origin, "file:")
}

// describe names the scope's file for a message, as git does when key
// is set there.
func (g *Git) describe(ctx context.Context, key string) string {
	return cmp.Or(g.origin(ctx, key), g.scopeName())
}

// scopeName names the scope's file as its options do.
func (g *Git) scopeName() string {
	if s := g.scope(); s[0] == "--file" && len(s) > 1 {
		return s[1]
	}
	return "the " + strings.TrimPrefix(g.scope()[0], "--") + " git config"
}
