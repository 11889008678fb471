package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newLoginCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Save the server and API client the other commands use",
		Long: `Check the credentials of an API client against a tenantd server and save them
in tenantd/config.json under the user's config directory ($XDG_CONFIG_HOME or
~/.config; $TENANTD_CONFIG names another file), readable by the user only.

--url, --client-id and --client-secret (or TENANTD_URL, TENANTD_CLIENT_ID and
TENANTD_CLIENT_SECRET) override the saved values on any later command.`,
		Example: `  tenantd bootstrap > root.json    # on the server's machine
  tenantd login --url http://127.0.0.1:8080 --client-id ID --client-secret SECRET`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.url == "" || s.clientID == "" || s.clientSecret == "" {
				return &usageError{errors.New("--url, --client-id and --client-secret are required (or TENANTD_URL, TENANTD_CLIENT_ID, TENANTD_CLIENT_SECRET)")}
			}
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			t, err := client.Check(s.c.FetchTenantWithResponse(cmd.Context(), s.home, nil))
			if err != nil {
				return cliErr(err)
			}
			path, err := a.writeConfig(&cliConfig{URL: s.url, ClientID: s.clientID, ClientSecret: s.clientSecret, TenantID: s.home})
			if err != nil {
				return fmt.Errorf("save the credentials: %w", err)
			}
			fmt.Fprintf(a.stdout, "Logged in to %s as API client %s of tenant %q (%s).\nSaved to %s.\n", s.url, s.clientID, t.JSON200.Name, s.home, path)
			return nil
		},
	}
	s.addSessionFlags(cmd)
	return cmd
}
