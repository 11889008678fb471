package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) newMigrateCmd() *cobra.Command {
	var store storeConfig
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the store's schema migrations",
		Long: `Apply the schema migrations the store lacks and list every migration applied.
tenantd serve applies them too.`,
		Example: `  tenantd migrate --data /var/lib/tenantd
  TENANTD_DB=postgres://tenantd@db/tenantd tenantd migrate`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.migrate(cmd.Context(), store)
		},
	}
	store.register(cmd.Flags())
	bindEnv(cmd)
	return cmd
}

func (a *app) migrate(ctx context.Context, store storeConfig) error {
	dsn, err := store.dsn()
	if err != nil {
		return err
	}
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, name := range applied {
		fmt.Fprintln(a.stdout, "applied", name)
	}
	return nil
}
