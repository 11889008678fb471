package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/internal/sqlstore"
)

func (a *app) newVacuumCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "vacuum",
		Short: "Compact the SQLite store and let it give space back from then on",
		Long: `Rewrite the SQLite store in --data whole (SQLite's VACUUM), compacting it and switching it
to incremental vacuum, with which the purges of tenantd serve give the pages they free back
to the file system. Stores created by this version are incremental already; run it once
on an older store, while no tenantd serve uses it (it needs the store to itself and about
as much free disk as the store's size). PostgreSQL reclaims space with its autovacuum.`,
		Example:     `  tenantd vacuum --data /var/lib/tenantd`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.vacuum(cmd.Context(), dataDir)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "./tenantd-data", "directory of the SQLite store")
	bindEnv(cmd)
	return cmd
}

func (a *app) vacuum(ctx context.Context, dataDir string) error {
	path := filepath.Join(dataDir, "tenantd.db")
	before, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("no store in %s: %w", dataDir, err)
	}
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	if err := db.Vacuum(ctx); err != nil {
		return err
	}
	mode, err := db.AutoVacuum(ctx)
	if err != nil {
		return err
	}
	after, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "vacuumed %s: %d bytes, was %d; auto_vacuum %s\n", path, after.Size(), before.Size(), mode)
	return nil
}
