// Command tenantd is the tenantd server and its operator commands:
//
//	tenantd serve      run the API server
//	tenantd migrate    apply the store's schema migrations
//	tenantd bootstrap  create a root API client and print its credentials
//
// Every flag has an environment variable of the same name in upper case
// with a TENANTD_ prefix (--addr is TENANTD_ADDR); a flag wins over it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tenantd:", err)
		os.Exit(1)
	}
}
