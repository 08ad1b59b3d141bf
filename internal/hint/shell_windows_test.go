package hint

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// runShell runs cmd in cmd.exe, given the command line as the user would
// type it (exec.Command would quote it again).
func runShell(cmd string) ([]byte, error) {
	shell := filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe")
	c := exec.Command(shell)
	c.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd.exe /d /c ` + cmd}
	return c.CombinedOutput()
}
