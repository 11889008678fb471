package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/internal/sqlstore"
)

func (a *app) newBackupCmd() *cobra.Command {
	var dataDir, out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Copy the SQLite store to a file, while it serves",
		Long: `Write a consistent copy of the SQLite store in --data to the new file --out, signing
keys and the token issuer included, with SQLite's VACUUM INTO: the copy holds every
transaction committed before the backup began. It works while tenantd serve runs.
Restore it with tenantd restore. Back up PostgreSQL with pg_dump or pg_basebackup.`,
		Example:     `  tenantd backup --data /var/lib/tenantd --out /backup/tenantd-$(date +%F).db`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.backup(cmd.Context(), dataDir, out)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "./tenantd-data", "directory of the SQLite store")
	cmd.Flags().StringVar(&out, "out", "", "file to write the backup to; must not exist")
	_ = cmd.MarkFlagRequired("out")
	bindEnv(cmd)
	return cmd
}

func (a *app) backup(ctx context.Context, dataDir, out string) error {
	src := filepath.Join(dataDir, "tenantd.db")
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no store in %s: %w", dataDir, err)
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	if err := db.Backup(ctx, out); err != nil {
		return err
	}
	n, err := sqlstore.CheckSQLiteFile(ctx, out)
	if err != nil {
		return fmt.Errorf("the backup is not sound: %w", err)
	}
	fmt.Fprintf(a.stdout, "backed up %s to %s (%d migrations, integrity ok)\n", src, out, n)
	return nil
}

func (a *app) newRestoreCmd() *cobra.Command {
	var dataDir, from string
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Restore the SQLite store from a backup, into an empty directory",
		Long: `Check the backup --from (PRAGMA integrity_check, a tenantd store) and make it the store
of --data, which must hold no store: restore never overwrites one, whether it is in use
or not. Start tenantd serve on --data afterwards; it applies any newer migrations.`,
		Example:     `  tenantd restore --data /var/lib/tenantd --from /backup/tenantd-2026-12-07.db`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.restore(cmd.Context(), dataDir, from)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "./tenantd-data", "directory to restore the SQLite store into; must hold no store")
	cmd.Flags().StringVar(&from, "from", "", "backup file written by tenantd backup")
	_ = cmd.MarkFlagRequired("from")
	bindEnv(cmd)
	return cmd
}

func (a *app) restore(ctx context.Context, dataDir, from string) error {
	if _, err := sqlstore.CheckSQLiteFile(ctx, from); err != nil {
		return fmt.Errorf("refusing to restore: %w", err)
	}
	dst := filepath.Join(dataDir, "tenantd.db")
	for _, p := range []string{dst, dst + "-wal", dst + "-shm", dst + "-journal"} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("refusing to restore: %s already holds a store (%s); restore into an empty directory", dataDir, p)
		}
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	tmp := dst + ".restoring"
	if err := copyFile(from, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	// Link rather than rename: it fails if a store appeared meanwhile.
	if err := os.Link(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	if d, err := os.Open(dataDir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	fmt.Fprintf(a.stdout, "restored %s into %s\n", from, dst)
	return nil
}

// copyFile copies src to the new file dst and syncs it.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}
