//go:build unix

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// TestUntrustedFileSystem runs every secrets file, lock file and directory
// the helper touches through what another user, a mistake or an attacker
// can leave in its place: links to a file, a directory, a named pipe, a
// socket and a device; a dangling link; a hard link; a named pipe; a
// directory instead of a file (and a file or pipe instead of a directory);
// a file or directory of another user; a directory others may write; an
// oversized file. Each runs the built helper, as git and docker do, and
// checks its answer and exit status, that it does not hang, and that
// nothing outside the config directory changed: the mode, content and
// existence of everything a link could reach.
func TestUntrustedFileSystem(t *testing.T) {
	srv := pkcetest.NewServer(pkcetest.Options{AccessTTL: time.Hour},
		pkcetest.Account{Email: scriptEmail, Password: scriptPassword, Subject: "1234567"})
	t.Cleanup(srv.Close)
	session, err := srv.Issue(scriptEmail)
	if err != nil {
		t.Fatal(err)
	}
	const (
		gitKey    = "git/https/example.com//u"
		entry     = `{\"password\":\"p\",\"stored\":1}`
		getReq    = "protocol=https\nhost=example.com\n\n"
		storeReq  = "protocol=https\nhost=example.com\nusername=u\npassword=p2\n\n"
		prusaReq  = "protocol=https\nhost=connect.prusa3d.com\n\n"
		isFile    = "file"
		isLock    = "lock"
		isDir     = "directory"
		bucketDir = "credentials"
	)
	sum := sha256.Sum256([]byte("git/https/example.com"))
	bucket := filepath.Join(bucketDir, "git-"+hex.EncodeToString(sum[:])+".json")
	// What each file would hold if it were a good one, so that following
	// a link would succeed, and show.
	bucketJSON := `{"version":2,"bucket":"git/https/example.com","credentials":{"` + gitKey + `":"` + entry + `"}}`
	legacyJSON := `{"version":1,"credentials":{"` + gitKey + `":"` + entry + `"}}`

	type target struct {
		name, rel, kind string
		sdk             bool     // in the SDK's directory, not the helper's
		content         string   // a good file's content (files only)
		stdin           string   // the request
		args            []string // the command that uses it
	}
	targets := []target{
		{name: "session", rel: "prusa_tokens.json", sdk: true, kind: isFile, content: string(session.JSON()),
			args: []string{"git-credential-prusa", "get"}, stdin: prusaReq},
		{name: "bucket", rel: bucket, kind: isFile, content: bucketJSON,
			args: []string{"git-credential-prusa", "get"}, stdin: getReq},
		{name: "legacy credentials", rel: "credentials.json", kind: isFile, content: legacyJSON,
			args: []string{"git-credential-prusa", "get"}, stdin: getReq},
		{name: "session lock", rel: "session.lock", kind: isLock,
			args: []string{"prusa-credential-helper", "login", "--with-tokens"}, stdin: string(session.JSON())},
		{name: "credentials lock", rel: "credentials.json.lock", kind: isLock,
			args: []string{"git-credential-prusa", "store"}, stdin: storeReq},
		{name: "config dir", rel: ".", kind: isDir,
			args: []string{"git-credential-prusa", "store"}, stdin: storeReq},
		{name: "session dir", rel: ".", sdk: true, kind: isDir,
			args: []string{"prusa-credential-helper", "login", "--with-tokens"}, stdin: string(session.JSON())},
		{name: "credentials dir", rel: bucketDir, kind: isDir,
			args: []string{"git-credential-prusa", "store"}, stdin: storeReq},
	}

	root := os.Geteuid() == 0
	// A case puts something at path (the target's own path) and may use
	// out, a directory outside the config directory, for what a link
	// points to. It says what the error must say; "" means the helper
	// is right to go on (the case is harmless for that kind).
	type fsCase struct {
		name  string
		kinds string // the target kinds it applies to
		root  bool   // needs root (another uid, a device node)
		make  func(t *testing.T, tg target, path, out string)
		want  map[string]string // kind -> what stderr must say; "" = success
	}
	outsideFile := func(t *testing.T, tg target, out string) string {
		p := filepath.Join(out, "victim")
		content := tg.content
		if content == "" {
			content = "someone else's file"
		}
		writeMode(t, p, content, 0o644)
		return p
	}
	link := "is a symbolic link"
	cases := []fsCase{
		{name: "symlink to a file", kinds: "file lock dir",
			make: func(t *testing.T, tg target, path, out string) { symlink(t, outsideFile(t, tg, out), path) },
			want: map[string]string{isFile: link, isLock: link, isDir: link}},
		{name: "symlink to a directory", kinds: "file lock dir",
			make: func(t *testing.T, tg target, path, out string) {
				d := filepath.Join(out, "dir")
				mkdirMode(t, d, 0o755)
				symlink(t, d, path)
			},
			want: map[string]string{isFile: link, isLock: link, isDir: link}},
		{name: "symlink to a named pipe", kinds: "file lock dir",
			make: func(t *testing.T, tg target, path, out string) {
				p := filepath.Join(out, "fifo")
				mkfifo(t, p)
				symlink(t, p, path)
			},
			want: map[string]string{isFile: link, isLock: link, isDir: link}},
		{name: "symlink to a socket", kinds: "file lock",
			make: func(t *testing.T, tg target, path, out string) {
				p := filepath.Join(out, "sock")
				l, err := net.Listen("unix", p)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Close() })
				symlink(t, p, path)
			},
			want: map[string]string{isFile: link, isLock: link}},
		{name: "symlink to a device", kinds: "file lock", root: true,
			make: func(t *testing.T, tg target, path, out string) {
				if runtime.GOOS != "linux" {
					t.Skip("the device numbers below are Linux's")
				}
				p := filepath.Join(out, "null")
				// A node of the null device (1, 3) made here, never the
				// system's /dev/null, whose mode a bug would change.
				if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
					t.Skipf("cannot make a device node here: %v", err)
				}
				symlink(t, p, path)
			},
			want: map[string]string{isFile: link, isLock: link}},
		{name: "dangling symlink", kinds: "file lock dir",
			make: func(t *testing.T, tg target, path, out string) { symlink(t, filepath.Join(out, "missing"), path) },
			want: map[string]string{isFile: link, isLock: link, isDir: link}},
		{name: "hard link", kinds: "file lock",
			make: func(t *testing.T, tg target, path, out string) {
				if err := os.Link(outsideFile(t, tg, out), path); err != nil {
					t.Fatal(err)
				}
			},
			// A lock file's content and names do not matter: flock
			// changes nothing in it.
			want: map[string]string{isFile: "has 2 names (hard links)", isLock: ""}},
		{name: "named pipe", kinds: "file lock dir",
			make: func(t *testing.T, tg target, path, out string) { mkfifo(t, path) },
			want: map[string]string{isFile: "is a named pipe (FIFO), not a regular file", isLock: "is a named pipe (FIFO), not a regular file", isDir: "is not a directory"}},
		{name: "directory in place of a file", kinds: "file lock",
			make: func(t *testing.T, tg target, path, out string) { mkdirMode(t, path, 0o755) },
			want: map[string]string{isFile: "is a directory, not a file", isLock: "is a directory, not a file"}},
		{name: "file in place of a directory", kinds: "dir",
			make: func(t *testing.T, tg target, path, out string) { writeMode(t, path, "x", 0o600) },
			want: map[string]string{isDir: "is not a directory"}},
		{name: "owned by another user", kinds: "file lock dir", root: true,
			make: func(t *testing.T, tg target, path, out string) {
				if tg.kind == isDir {
					mkdirMode(t, path, 0o700)
				} else {
					writeMode(t, path, tg.content, 0o600)
				}
				if err := os.Lchown(path, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			},
			want: map[string]string{isFile: "is owned by another user (uid 65534)", isLock: "is owned by another user (uid 65534)", isDir: "is owned by another user (uid 65534)"}},
		{name: "world-writable directory", kinds: "dir",
			make: func(t *testing.T, tg target, path, out string) { mkdirMode(t, path, 0o777) },
			want: map[string]string{isDir: "is writable by other users (mode 0777)"}},
		{name: "group-writable directory", kinds: "dir",
			make: func(t *testing.T, tg target, path, out string) { mkdirMode(t, path, 0o770) },
			want: map[string]string{isDir: "is writable by other users (mode 0770)"}},
		{name: "world-writable parent", kinds: "file lock",
			make: func(t *testing.T, tg target, path, out string) {
				writeMode(t, path, tg.content, 0o600)
				mkdirMode(t, filepath.Dir(path), 0o777)
			},
			want: map[string]string{isFile: "is writable by other users (mode 0777)", isLock: "is writable by other users (mode 0777)"}},
		{name: "oversized file", kinds: "file lock",
			make: func(t *testing.T, tg target, path, out string) {
				big := `{"x":"` + strings.Repeat("a", 2<<20) + `"}`
				writeMode(t, path, big, 0o600)
			},
			// A lock file is never read.
			want: map[string]string{isFile: "is over 1024 KiB, too large for a secrets file", isLock: ""}},
	}

	var rows []string
	for _, tg := range targets {
		for _, c := range cases {
			if !strings.Contains(c.kinds, map[string]string{isFile: "file", isLock: "lock", isDir: "dir"}[tg.kind]) {
				continue
			}
			t.Run(tg.name+"/"+c.name, func(t *testing.T) {
				if c.root && !root {
					t.Skip("needs root: another user's file, a device node")
				}
				h := newStressHome(t, srv)
				cfg := h.appDir()
				if tg.sdk {
					cfg = filepath.Dir(h.tokensFile())
				}
				out := filepath.Join(h.dir, "outside")
				mkdirMode(t, out, 0o755)
				mkdirMode(t, cfg, 0o700)
				path := filepath.Join(cfg, tg.rel)
				if tg.kind == isDir {
					if tg.rel == "." {
						if err := os.Remove(cfg); err != nil {
							t.Fatal(err)
						}
					}
				} else {
					mkdirMode(t, filepath.Dir(path), 0o700)
				}
				c.make(t, tg, path, out)
				before := snapshot(t, out)

				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				cmd, stdout, stderr := h.helperCmd(ctx, tg.args[0], tg.stdin, tg.args[1:]...)
				runErr := cmd.Run()
				if ctx.Err() != nil {
					t.Fatalf("%s hung (killed after 20s)", strings.Join(tg.args, " "))
				}
				want := c.want[tg.kind]
				answer := "ok"
				if want == "" {
					if runErr != nil {
						t.Errorf("%s failed: %v\n%s", strings.Join(tg.args, " "), runErr, stderr)
					}
				} else {
					var ee *exec.ExitError
					if !errors.As(runErr, &ee) || ee.ExitCode() != 1 {
						t.Errorf("%s: %v, want exit status 1 (stdout: %d bytes)\nstderr %s", strings.Join(tg.args, " "), runErr, stdout.Len(), stderr)
					}
					if stdout.Len() != 0 {
						t.Errorf("stdout has %d bytes, want nothing", stdout.Len())
					}
					named := path
					if c.name == "world-writable parent" {
						named = filepath.Dir(path)
					}
					if !strings.Contains(stderr.String(), named+" "+want) || !strings.Contains(stderr.String(), "\nhint: ") {
						t.Errorf("stderr does not say %q and a hint:\n%s", named+" "+want, stderr)
					}
					answer = "exit 1: " + want
				}
				if after := snapshot(t, out); after != before {
					t.Errorf("something outside the config directory changed:\nbefore:\n%s\nafter:\n%s", before, after)
				}
				rows = append(rows, fmt.Sprintf("| %s | %s | %s |", tg.name, c.name, answer))
			})
		}
	}
	t.Log("\n| what | case | answer |\n| --- | --- | --- |\n" + strings.Join(rows, "\n"))
}

// snapshot describes everything under dir, links not followed: name,
// type and mode, and the content's hash for a regular file, so that two
// snapshots differ when anything was created, removed, changed or
// chmodded.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", p, fi.Mode())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:8])
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func writeMode(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func mkdirMode(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(path, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}
