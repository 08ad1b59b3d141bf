package main

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// layerRules are the imports each layer must not have (DESIGN §1: imports
// flow one way, cmd → command line → helper → session → backends and
// pkce; a lower layer never imports an upper one, not even for a type).
// A rule's package is a module path prefix: "backends" covers
// backends/file too.
var layerRules = []struct {
	pkg       string
	forbidden []string
}{
	{"pkce", []string{"helper", "backends", "internal/session", "internal/cli", "internal/configure", "internal/doctor", "cmd"}},
	{"backends", []string{"helper", "pkce", "internal/session", "internal/cli", "internal/configure", "internal/doctor", "cmd"}},
	// helper: the backends interfaces only, no concrete backend.
	{"helper", []string{"backends/", "pkce", "internal/session", "internal/cli", "internal/configure", "internal/doctor", "cmd"}},
	{"internal/session", []string{"helper", "internal/cli", "internal/configure", "internal/doctor", "cmd"}},
	{"internal/doctor", []string{"internal/cli", "cmd"}},
	{"internal/configure", []string{"internal/cli", "internal/session", "internal/doctor", "cmd"}},
}

// TestLayers checks the rules for every package of the module (scripts
// and test code aside) as built for linux, darwin and windows.
func TestLayers(t *testing.T) {
	const module = "github.com/prusa-credential-helper/prusa-credential-helper"
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "testdata" || d.Name() == "scripts" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		for _, goos := range []string{"linux", "darwin", "windows"} {
			ctx := build.Default
			ctx.GOOS = goos
			pkg, err := ctx.ImportDir(dir, 0)
			if err != nil {
				if _, ok := errors.AsType[*build.NoGoError](err); ok {
					continue
				}
				t.Fatalf("GOOS=%s: %s: %v", goos, rel, err)
			}
			checked++
			for _, r := range layerRules {
				if !under(rel, r.pkg) {
					continue
				}
				for _, imp := range pkg.Imports {
					own, ok := strings.CutPrefix(imp, module+"/")
					if !ok {
						continue
					}
					for _, f := range r.forbidden {
						if under(own, f) || (strings.HasSuffix(f, "/") && strings.HasPrefix(own, f)) {
							t.Errorf("GOOS=%s: %s imports %s: %s must not import %s", goos, rel, own, r.pkg, f)
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package checked")
	}
}

// under reports whether the package path p is prefix or below it.
func under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}
