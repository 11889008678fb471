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
