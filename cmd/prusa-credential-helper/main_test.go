package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/cli"
)

// raceExitNow is the environment entry that stops a helper built with the
// race detector from sleeping a second before it exits (GORACE's
// atexit_sleep_ms defaults to 1000), which would make every helper
// process of these tests take a second under go test -race.
const raceExitNow = "GORACE=atexit_sleep_ms=0"

// TestMain registers the binary under its three names, so that scripts
// and the real-client tests run it as separate processes, through PATH,
// exactly as git and docker do.
func TestMain(m *testing.M) {
	run := func() {
		if log := os.Getenv(envAuditLog); log != "" {
			os.Exit(runAudited(log))
		}
		os.Exit(cli.Run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr, os.Environ()))
	}
	testscript.Main(m, map[string]func(){
		cli.Name:       run,
		cli.GitName:    run,
		cli.DockerName: run,
	})
}

// TestScript runs the end-to-end scripts in testdata/script: one
// behaviour per file.
func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams())
}

// scriptParams are the end-to-end scripts and their custom commands.
func scriptParams() testscript.Params {
	return testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"fakeaccount": cmdFakeAccount,
			"setenvfile":  cmdSetenvFile,
			"dateserver":  cmdDateServer,
			"lookpath":    cmdLookPath,
			"weblogin":    cmdWebLogin,
			"ptyshell":    cmdPTYShell,
		},
		Condition: scriptCondition,
		Setup: func(env *testscript.Env) error {
			// scripts/, for scripts that run one (secret-service.sh).
			scripts, err := filepath.Abs(filepath.Join("..", "..", "scripts"))
			if err != nil {
				return err
			}
			env.Setenv("SCRIPTS", scripts)
			// A fresh, private home per script, on every system.
			home := filepath.Join(env.WorkDir, "home")
			for _, kv := range homeEnv(home) {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			env.Setenv("SDKDIR", sdkDir(home))
			env.Setenv("PRUSA_NONINTERACTIVE", "1")
			name, value, _ := strings.Cut(raceExitNow, "=")
			env.Setenv(name, value)
			// The Python SDK's token file fixture, as $WORK/sdk/prusa_tokens.json.
			data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk", "prusa_tokens.json"))
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Join(env.WorkDir, "sdk"), 0o700); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "sdk", "prusa_tokens.json"), data, 0o600)
		},
	}
}

// homeEnv is the environment that gives a helper process the private home
// directory home: every variable from which it, or a library it uses,
// finds the user's directories, on every system. The config directory is
// home/.config both as $XDG_CONFIG_HOME and as %AppData%, so that a test
// names one path for both.
func homeEnv(home string) []string {
	config := filepath.Join(home, ".config")
	return []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + config,
		"USERPROFILE=" + home,
		"APPDATA=" + config,
		"LOCALAPPDATA=" + filepath.Join(home, "AppData", "Local"),
	}
}

// sdkDir is the directory of the Python SDK 1.0's session file in the
// private home of homeEnv (platformdirs' user_config_dir for app
// "prusa-connect", author "Prusa"). Scripts see it as $SDKDIR.
func sdkDir(home string) string {
	switch runtime.GOOS {
	case "windows":
		return filepath.Join(home, "AppData", "Local", "Prusa", "prusa-connect")
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "prusa-connect")
	default:
		return filepath.Join(home, ".config", "prusa-connect")
	}
}

// scriptCondition adds the condition secretservice: the tools that
// scripts/secret-service.sh needs to run a private Secret Service are
// installed. Under PRUSA_REQUIRE_SECRET_SERVICE=1 (CI) their absence is an
// error, not a skip.
func scriptCondition(cond string) (bool, error) {
	tools, require := map[string][]string{
		"secretservice": {"dbus-run-session", "dbus-send", "gnome-keyring-daemon", "secret-tool"},
		"shells":        {"bash", "zsh", "fish"},
	}[cond], map[string]string{
		"secretservice": "PRUSA_REQUIRE_SECRET_SERVICE",
		"shells":        "PRUSA_REQUIRE_REAL_CLIENTS",
	}[cond]
	if tools == nil {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(require) == "1" {
				return false, fmt.Errorf("%s is required (%s=1): %v", tool, require, err)
			}
			return false, nil
		}
	}
	return true, nil
}

// cmdSetenvFile sets an environment variable to a file's content:
//
//	setenvfile VAR FILE
func cmdSetenvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setenvfile VAR FILE")
	}
	ts.Setenv(args[0], ts.ReadFile(args[1]))
}
