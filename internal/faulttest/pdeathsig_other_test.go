//go:build !linux

package faulttest

import "os/exec"

// dieWithParent does nothing where the kernel cannot tie a child's life to
// its parent; test cleanup still kills every runner.
func dieWithParent(*exec.Cmd) {}
