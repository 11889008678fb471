//go:build !linux

package pgtest

import (
	"errors"
	"syscall"
)

// procAttr returns the process attributes for the server and its tools.
// Running the server as another user is supported on Linux only.
func procAttr(owner *account) (*syscall.SysProcAttr, error) {
	if owner != nil {
		return nil, errors.New("running as root is supported on linux only")
	}
	return nil, nil
}

// childProcesses returns nothing here: Kill ends the postmaster, and the
// server processes end when they see it gone.
func childProcesses(int) []int { return nil }

// processAlive is not needed where childProcesses finds nothing.
func processAlive(int) bool { return false }
