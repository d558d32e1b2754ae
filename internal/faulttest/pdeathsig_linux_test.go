package faulttest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the runner if the test binary dies
// before its cleanup runs, so no runner outlives the tests.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
