// Command tenantd is the tenantd server, its operator commands and its
// command line client:
//
//	tenantd serve      run the API server
//	tenantd dev        run a throw-away server with a fixture and a movable clock
//	tenantd migrate    apply the store's schema migrations
//	tenantd bootstrap  create a root API client and print its credentials
//	tenantd issuer     show or change the token issuer the store's instances share
//	tenantd backup     copy the SQLite store to a file while it serves
//	tenantd restore    restore the SQLite store from a backup
//	tenantd version    print the version, commit and build details
//
// Every flag of the server commands has an environment variable of the same
// name in upper case with a TENANTD_ prefix (--addr is TENANTD_ADDR); a flag
// wins over it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	err := a.run(ctx, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "tenantd:", err)
		}
		os.Exit(exitCode(err))
	}
}
