//go:build !windows

package hint

import "os/exec"

func runShell(cmd string) ([]byte, error) { return exec.Command("sh", "-c", cmd).CombinedOutput() }
