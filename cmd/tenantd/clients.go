package main

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newClientsCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "clients",
		Aliases: []string{"client"},
		Short:   "List, create and delete API clients",
		Example: `  tenantd clients list
  tenantd clients create --tenant CUSTOMER_ID --json > acme-client.json
  tenantd clients delete CLIENT_ID --yes`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.clientsList(), s.clientsCreate(), s.clientsDelete())
	return cmd
}

var clientHeader = []string{"CLIENT_ID", "TENANT", "TYPE", "STATUS", "CREATED", "LAST_ACCESS"}

func clientRow(c client.APIClient) []string {
	return []string{c.ClientID, c.TenantID, string(c.Type), string(c.Status), stamp(c.CreatedAt), stamp(c.LastAccessAt)}
}

// stamp is a time as the tables show it, "-" for none.
func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func (s *session) clientsList() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the API clients the login can see",
		Example: `  tenantd clients list
  tenantd clients list --tenant CUSTOMER_ID -q`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			resp, err := client.Check(s.c.FetchClientsBatchWithResponse(ctx, nil))
			if err != nil {
				return cliErr(err)
			}
			clients := []client.APIClient{}
			for _, c := range resp.JSON200.Items {
				if tenant == "" || c.TenantID == tenant {
					clients = append(clients, c)
				}
			}
			slices.SortStableFunc(clients, func(x, y client.APIClient) int {
				switch {
				case x.CreatedAt == nil || y.CreatedAt == nil:
					return 0
				case x.CreatedAt.Before(*y.CreatedAt):
					return -1
				case y.CreatedAt.Before(*x.CreatedAt):
					return 1
				}
				return 0
			})
			t := table{header: clientHeader, value: clients}
			for _, c := range clients {
				t.rows = append(t.rows, clientRow(c))
				t.ids = append(t.ids, c.ClientID)
			}
			return s.print(t)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "only the API clients of this tenant")
	return cmd
}

func (s *session) clientsCreate() *cobra.Command {
	var tenant, method string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an API client and print its secret",
		Long: `Create an API client of a tenant (default the login's tenant). Its secret is
printed once and cannot be read again: keep it (--json prints it too).`,
		Example: `  tenantd clients create
  tenantd clients create --tenant CUSTOMER_ID --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m := client.ClientPostTokenEndpointAuthMethod(method)
			if !m.Valid() {
				return &usageError{fmt.Errorf("--auth-method must be client_secret_basic, client_secret_post or none, not %q", method)}
			}
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			body := client.ClientPost{Type: client.ClientPostTypeAPIClient, TenantID: s.tenantOrHome(tenant), TokenEndpointAuthMethod: m}
			resp, err := client.Check(s.c.CreateClientWithResponse(ctx, body))
			if err != nil {
				return cliErr(err)
			}
			c := resp.JSON201
			row := []string{c.ClientID, c.ClientSecret, c.TenantID, string(c.Status)}
			return s.print(table{header: []string{"CLIENT_ID", "CLIENT_SECRET", "TENANT", "STATUS"}, rows: [][]string{row}, ids: []string{c.ClientID}, value: c})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the API client's tenant (default the login's tenant)")
	cmd.Flags().StringVar(&method, "auth-method", string(client.ClientPostTokenEndpointAuthMethodClientSecretBasic), "how the client sends its secret: client_secret_basic or client_secret_post")
	_ = cmd.RegisterFlagCompletionFunc("auth-method", cobra.FixedCompletions([]string{"client_secret_basic", "client_secret_post"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (s *session) clientsDelete() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete CLIENT_ID",
		Short: "Delete an API client",
		Long: `Delete an API client: its tokens stop working at once. Confirmation is
asked unless --yes.`,
		Example: `  tenantd clients delete CLIENT_ID --yes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			c, err := client.Check(s.c.FetchClientWithResponse(ctx, args[0]))
			if err != nil {
				return cliErr(err)
			}
			if c.JSON200.ClientID == s.clientID {
				return errors.New("refusing to delete the API client this command runs as")
			}
			if err := s.confirm(fmt.Sprintf("Delete API client %s of tenant %s?", c.JSON200.ClientID, c.JSON200.TenantID)); err != nil {
				return err
			}
			if _, err := client.Check(s.c.DeleteClientWithResponse(ctx, args[0])); err != nil {
				return cliErr(err)
			}
			if !s.quiet {
				fmt.Fprintf(s.a.stderr, "Deleted API client %s.\n", args[0])
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&s.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
