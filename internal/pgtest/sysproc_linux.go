package pgtest

import "syscall"

// procAttr returns the process attributes for the server and its tools: run
// as owner when it is set, and receive SIGQUIT (immediate shutdown) should
// this process die without stopping the server.
func procAttr(owner *account) (*syscall.SysProcAttr, error) {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if owner != nil {
		attr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	}
	return attr, nil
}
