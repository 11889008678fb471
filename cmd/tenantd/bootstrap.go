package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/tenantd/tenantd"
)

func runBootstrap(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var store storeConfig
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	store.register(fs)
	name := fs.String("name", "bootstrap", "client_name recorded in the client's data")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	dsn, err := store.dsn()
	if err != nil {
		return err
	}
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	root, err := db.EnsureRoot(ctx)
	if err != nil {
		return fmt.Errorf("create root tenant: %w", err)
	}
	system := &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system", TenantID: root.ID, TenantPath: root.Path}
	data, err := json.Marshal(map[string]string{"client_name": *name})
	if err != nil {
		return err
	}
	c, err := db.CreateClient(tenantd.NewContextWithPrincipal(ctx, system), &tenantd.ClientCreate{
		Type: tenantd.ClientTypeAPI, TenantID: root.ID, Data: data, TokenEndpointAuthMethod: "client_secret_basic",
	})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	return json.NewEncoder(stdout).Encode(map[string]string{
		"client_id": c.ID, "client_secret": c.Secret, "tenant_id": root.ID,
	})
}
