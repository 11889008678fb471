package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/internal/sqlstore"
)

func (a *app) newMigrateCmd() *cobra.Command {
	var store storeConfig
	var status, dryRun bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the store's schema migrations",
		Long: `Apply the schema migrations the store lacks, each in its own transaction, and list
every migration applied. tenantd serve applies them too.

--status lists the migrations applied (with when) and those pending, and changes nothing.
--dry-run prints the SQL of each pending migration, and changes nothing.
A store migrated by a newer tenantd is left alone, with an error.`,
		Example: `  tenantd migrate --data /var/lib/tenantd
  tenantd migrate --status --db postgres://tenantd@db/tenantd
  TENANTD_DB=postgres://tenantd@db/tenantd tenantd migrate --dry-run`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if status && dryRun {
				return &usageError{fmt.Errorf("--status and --dry-run exclude each other")}
			}
			if status || dryRun {
				return a.migrationStatus(cmd.Context(), store, dryRun)
			}
			return a.migrate(cmd.Context(), store)
		},
	}
	store.register(cmd.Flags())
	cmd.Flags().BoolVar(&status, "status", false, "list applied and pending migrations; change nothing")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the SQL of the pending migrations; change nothing")
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

// migrationStatus prints the store's migrations without changing it: with
// dryRun the SQL of the pending ones, else one line per migration.
func (a *app) migrationStatus(ctx context.Context, store storeConfig, dryRun bool) error {
	dsn, err := store.dsn()
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	w := a.stdout
	if dryRun {
		if len(st.Pending) == 0 {
			fmt.Fprintln(w, "-- nothing to apply: the schema is current")
		}
		for _, m := range st.Pending {
			fmt.Fprintf(w, "-- would apply %s, in its own transaction\n%s\n", m.Name, strings.TrimRight(m.SQL, "\n"))
		}
	} else {
		for _, m := range st.Applied {
			fmt.Fprintf(w, "applied %s %s\n", m.Name, m.AppliedAt.UTC().Format(time.RFC3339))
		}
		for _, m := range st.Pending {
			fmt.Fprintln(w, "pending", m.Name)
		}
		for _, n := range st.Unknown {
			fmt.Fprintln(w, "unknown", n, "(applied by a newer tenantd)")
		}
	}
	if len(st.Unknown) > 0 {
		return &sqlstore.SchemaNewerError{Unknown: st.Unknown}
	}
	return nil
}
