package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/internal/sqlstore"
)

func (a *app) newIssuerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "issuer",
		Short: "Show or change the token issuer the store's instances share",
		Long: `Every instance on a store signs and accepts tokens under one issuer, recorded in the
store at its first start (from --issuer, else --public-url, else the first instance's
address). tenantd issuer prints it; tenantd issuer set changes it.`,
		Args: cobra.NoArgs,
	}
	var store storeConfig
	show := &cobra.Command{
		Use:         "show",
		Short:       "Print the store's token issuer",
		Example:     `  tenantd issuer show --db postgres://tenantd@db/tenantd`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), store, func(ctx context.Context, db *sqlstore.DB) error {
				iss, err := db.StoredIssuer(ctx)
				if err != nil {
					return err
				}
				if iss == "" {
					return fmt.Errorf("the store has no issuer yet: the first tenantd serve records one")
				}
				fmt.Fprintln(a.stdout, iss)
				return nil
			})
		},
	}
	store.register(show.Flags())
	bindEnv(show)
	var setStore storeConfig
	set := &cobra.Command{
		Use:   "set ISSUER",
		Short: "Change the store's token issuer",
		Long: `Record ISSUER as the store's token issuer. Instances take it when they restart;
tokens issued under the old issuer are refused from then on, so clients sign in again.`,
		Example:     `  tenantd issuer set https://accounts.example.com --db postgres://tenantd@db/tenantd`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{"go_flags": "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd.Context(), setStore, func(ctx context.Context, db *sqlstore.DB) error {
				old, err := db.SetIssuer(ctx, args[0])
				if err != nil {
					return err
				}
				if old != "" && old != args[0] {
					fmt.Fprintf(a.stderr, "tenantd: the issuer was %s; restart every instance to use the new one\n", old)
				}
				fmt.Fprintln(a.stdout, args[0])
				return nil
			})
		},
	}
	setStore.register(set.Flags())
	bindEnv(set)
	cmd.AddCommand(show, set)
	return cmd
}

// withStore opens and migrates the store, runs fn on it and closes it.
func (a *app) withStore(ctx context.Context, store storeConfig, fn func(context.Context, *sqlstore.DB) error) error {
	dsn, err := store.dsn()
	if err != nil {
		return err
	}
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(ctx, db)
}
