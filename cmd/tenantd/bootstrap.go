package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd"
)

func (a *app) newBootstrapCmd() *cobra.Command {
	var store storeConfig
	var name string
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Create a root API client and print its credentials as JSON",
		Long: `Create an API client of the root tenant directly in the store and print
{"client_id": ..., "client_secret": ..., "tenant_id": ...} on one line.
It works while the server runs.`,
		Example: `  tenantd bootstrap --data ./tenantd-data
  tenantd bootstrap --db postgres://tenantd@db/tenantd --name ci`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.bootstrap(cmd.Context(), store, name)
		},
	}
	store.register(cmd.Flags())
	cmd.Flags().StringVar(&name, "name", "bootstrap", "client_name recorded in the client's data")
	bindEnv(cmd)
	return cmd
}

func (a *app) bootstrap(ctx context.Context, store storeConfig, name string) error {
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
	data, err := json.Marshal(map[string]string{"client_name": name})
	if err != nil {
		return err
	}
	c, err := db.CreateClient(tenantd.NewContextWithPrincipal(ctx, system), &tenantd.ClientCreate{
		Type: tenantd.ClientTypeAPI, TenantID: root.ID, Data: data, TokenEndpointAuthMethod: "client_secret_basic",
	})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	return json.NewEncoder(a.stdout).Encode(map[string]string{
		"client_id": c.ID, "client_secret": c.Secret, "tenant_id": root.ID,
	})
}
