package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newUsersCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "users",
		Aliases: []string{"user"},
		Short:   "List, show, create, change and delete users, their roles and business types",
		Example: `  tenantd users list --tenant CUSTOMER_ID
  tenantd users create --tenant CUSTOMER_ID --email ann@example.com --role company_admin
  tenantd users roles USER_ID --add readonly_admin`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.usersList(), s.usersGet(), s.usersCreate(), s.usersUpdate(), s.usersDelete(), s.usersRoles(), s.usersBuyer())
	return cmd
}

var userHeader = []string{"ID", "LOGIN", "EMAIL", "STATE", "ROLES", "BUYER", "VERSION"}

func userRow(u client.User) []string {
	state := "enabled"
	switch {
	case u.DeletedAt != nil:
		state = "deleted"
	case !u.Enabled:
		state = "disabled"
	case !u.Activated:
		state = "not activated"
	}
	var roles []string
	for _, p := range u.AccessPolicies {
		roles = append(roles, string(p.RoleID))
	}
	buyer := "no"
	if slices.Contains(u.BusinessTypes, "buyer") {
		buyer = "yes"
	}
	return []string{u.ID, u.Login, deref(u.Contact.Email), state, strings.Join(roles, ","), buyer, strconv.Itoa(u.Version)}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// tenantOrHome is the tenant a --tenant flag names, or the login's.
func (s *session) tenantOrHome(tenant string) string {
	if tenant == "" {
		return s.home
	}
	return tenant
}

// fetchUser gets a user with its roles.
func (s *session) fetchUser(ctx context.Context, id string) (*client.User, error) {
	resp, err := client.Check(s.c.FetchUserWithResponse(ctx, id, nil))
	if err != nil {
		return nil, cliErr(err)
	}
	u := resp.JSON200
	roles, err := client.Check(s.c.FetchUserAccessPoliciesWithResponse(ctx, id))
	if err != nil {
		return nil, cliErr(err)
	}
	u.AccessPolicies = roles.JSON200.Items
	return u, nil
}

func (s *session) printUser(u *client.User) error {
	return s.print(table{header: userHeader, rows: [][]string{userRow(*u)}, ids: []string{u.ID}, value: u})
}

func (s *session) usersList() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the users of a tenant",
		Example: `  tenantd users list
  tenantd users list --tenant CUSTOMER_ID -q`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			with := true
			users := []client.User{}
			for u, err := range client.All(ctx, func(ctx context.Context, cursor string) (client.Page[client.UserListed], error) {
				p := client.FetchUsersBatchParams{TenantID: &tenant, WithAccessPolicies: &with}
				if cursor != "" {
					p.After = &cursor
				}
				resp, err := client.Check(s.c.FetchUsersBatchWithResponse(ctx, &p))
				if err != nil {
					return client.Page[client.UserListed]{}, err
				}
				page := client.Page[client.UserListed]{}
				if pg := resp.JSON200.Paging; pg != nil && pg.Cursors != nil && pg.Cursors.After != nil {
					page.After = *pg.Cursors.After
				}
				for _, it := range resp.JSON200.Items {
					u, err := it.AsUserListed()
					if err != nil {
						return client.Page[client.UserListed]{}, err
					}
					page.Items = append(page.Items, u)
				}
				return page, nil
			}) {
				if err != nil {
					return cliErr(err)
				}
				users = append(users, listedToUser(u))
			}
			slices.SortStableFunc(users, func(x, y client.User) int { return strings.Compare(strings.ToLower(x.Login), strings.ToLower(y.Login)) })
			t := table{header: userHeader, value: users}
			for _, u := range users {
				t.rows = append(t.rows, userRow(u))
				t.ids = append(t.ids, u.ID)
			}
			return s.print(t)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant whose users to list (default the login's tenant)")
	return cmd
}

// listedToUser converts a batch item to the user type of single reads: the
// two schemas describe the same object.
func listedToUser(l client.UserListed) client.User {
	return client.User{ID: l.ID, Login: l.Login, Contact: l.Contact, Enabled: l.Enabled, Activated: l.Activated,
		DeletedAt: l.DeletedAt, BusinessTypes: l.BusinessTypes, AccessPolicies: l.AccessPolicies, TenantID: l.TenantID,
		Version: l.Version, Language: l.Language, Notifications: l.Notifications, IdpID: l.IdpID, ExternalID: l.ExternalID,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, TermsAccepted: l.TermsAccepted, PersonalTenantID: l.PersonalTenantID,
		DisableAfter: l.DisableAfter, MfaStatus: client.UserMfaStatus(l.MfaStatus), SessionMfaStatus: client.UserSessionMfaStatus(l.SessionMfaStatus)}
}

func (s *session) usersGet() *cobra.Command {
	return &cobra.Command{
		Use:     "get USER_ID",
		Short:   "Show a user with its roles",
		Example: `  tenantd users get USER_ID -o yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			u, err := s.fetchUser(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return s.printUser(u)
		},
	}
}

func (s *session) usersCreate() *cobra.Command {
	var tenant, login, email, first, last, language string
	var roles []string
	var buyer bool
	cmd := &cobra.Command{
		Use:   "create --email EMAIL",
		Short: "Create a user, optionally with roles on its tenant",
		Long: `Create a user in a tenant. Its login is its e-mail address unless --login
is given. Each --role is granted on the user's tenant. The user sets its
password through the activation link tenantd sends.`,
		Example: `  tenantd users create --email ann@example.com
  tenantd users create --tenant CUSTOMER_ID --login ann --email ann@example.com --role company_admin --buyer -q`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return &usageError{errors.New("--email is required")}
			}
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			body := client.UserPost{TenantID: tenant, Contact: &client.UserPost_Contact{Email: email}}
			if login != "" {
				body.Login = &login
			}
			if first != "" {
				body.Contact.Firstname = &first
			}
			if last != "" {
				body.Contact.Lastname = &last
			}
			if language != "" {
				body.Language = &language
			}
			if buyer {
				body.BusinessTypes = &client.BusinessTypes{"buyer"}
			}
			resp, err := client.Check(s.c.CreateUserWithResponse(ctx, body))
			if err != nil {
				return cliErr(err)
			}
			u := resp.JSON200
			if len(roles) > 0 {
				var items []client.AccessPolicyPut
				for _, r := range roles {
					items = append(items, client.AccessPolicyPut{RoleID: client.UserRole(r), TenantID: tenant})
				}
				if _, err := client.Check(s.c.UpdateUserAccessPoliciesWithResponse(ctx, u.ID, client.AccessPoliciesPut{Items: items})); err != nil {
					return fmt.Errorf("user %s created, but its roles were not granted: %w", u.ID, cliErr(err))
				}
			}
			if u, err = s.fetchUser(ctx, u.ID); err != nil {
				return err
			}
			return s.printUser(u)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tenant, "tenant", "", "the user's tenant (default the login's tenant)")
	fs.StringVar(&login, "login", "", "the user's login (default the e-mail address)")
	fs.StringVar(&email, "email", "", "the user's e-mail address")
	fs.StringVar(&first, "firstname", "", "first name")
	fs.StringVar(&last, "lastname", "", "last name")
	fs.StringVar(&language, "language", "", "the user's language (default the tenant's)")
	fs.StringSliceVar(&roles, "role", nil, "a role on the user's tenant (company_admin, readonly_admin, ...); repeat or separate with commas")
	fs.BoolVar(&buyer, "buyer", false, "make the user a buyer: it is offered purchases")
	_ = cmd.RegisterFlagCompletionFunc("role", roleCompletion)
	return cmd
}

// roleCompletion completes the roles of the API.
func roleCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"partner_admin", "company_admin", "unit_admin", "readonly_admin", "protection_admin", "protection_ro_admin",
		"restore_operator", "backup_user", "sync_share_admin", "sync_share_user", "sync_share_guest", "notary_admin", "notary_user",
		"hci_admin"}, cobra.ShellCompDirectiveNoFileComp
}

func (s *session) usersUpdate() *cobra.Command {
	var login, email, first, last, language string
	var enabled bool
	cmd := &cobra.Command{
		Use:   "update USER_ID",
		Short: "Change a user's login, contact, language or state",
		Long: `Change a user's fields. The user's current version is fetched first, so a
change made by someone else meanwhile is refused (exit code 4).`,
		Example: `  tenantd users update USER_ID --lastname Smith
  tenantd users update USER_ID --enabled=false`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			fs := cmd.Flags()
			body := client.UserPut{}
			contact := client.ContactPut{}
			changed, contactChanged := false, false
			if fs.Changed("login") {
				body.Login, changed = &login, true
			}
			if fs.Changed("language") {
				body.Language, changed = &language, true
			}
			if fs.Changed("enabled") {
				body.Enabled, changed = &enabled, true
			}
			if fs.Changed("email") {
				contact.Email, contactChanged = &email, true
			}
			if fs.Changed("firstname") {
				contact.Firstname, contactChanged = &first, true
			}
			if fs.Changed("lastname") {
				contact.Lastname, contactChanged = &last, true
			}
			if contactChanged {
				body.Contact, changed = &contact, true
			}
			if !changed {
				return &usageError{errors.New("nothing to change: give --login, --email, --firstname, --lastname, --language or --enabled")}
			}
			return s.updateUser(ctx, args[0], func(*client.User) client.UserPut { return body })
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&login, "login", "", "new login")
	fs.StringVar(&email, "email", "", "new e-mail address")
	fs.StringVar(&first, "firstname", "", "new first name")
	fs.StringVar(&last, "lastname", "", "new last name")
	fs.StringVar(&language, "language", "", "new language")
	fs.BoolVar(&enabled, "enabled", true, "enable (true) or disable (false) the user")
	return cmd
}

// updateUser changes a user at its current version and prints it.
func (s *session) updateUser(ctx context.Context, id string, change func(*client.User) client.UserPut) error {
	u, err := s.fetchUser(ctx, id)
	if err != nil {
		return err
	}
	body := change(u)
	body.Version = u.Version
	if _, err := client.Check(s.c.UpdateUserWithResponse(ctx, u.ID, body)); err != nil {
		return cliErr(err)
	}
	if u, err = s.fetchUser(ctx, u.ID); err != nil {
		return err
	}
	return s.printUser(u)
}

func (s *session) usersDelete() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete USER_ID",
		Short: "Delete a user",
		Long: `Delete a user: it can no longer log in, and its roles go with it. It can be
restored during the server's retention period. Confirmation is asked unless
--yes.`,
		Example: `  tenantd users delete USER_ID --yes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			u, err := s.fetchUser(ctx, args[0])
			if err != nil {
				return err
			}
			if err := s.confirm(fmt.Sprintf("Delete user %q?", u.Login)); err != nil {
				return err
			}
			if _, err := client.Check(s.c.DeleteUserWithResponse(ctx, u.ID, &client.DeleteUserParams{Version: u.Version})); err != nil {
				return cliErr(err)
			}
			if !s.quiet {
				fmt.Fprintf(s.a.stderr, "Deleted user %q.\n", u.Login)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&s.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

var roleHeader = []string{"ROLE", "TENANT", "GRANTED"}

func (s *session) usersRoles() *cobra.Command {
	var add, remove []string
	var tenant string
	cmd := &cobra.Command{
		Use:   "roles USER_ID",
		Short: "Show or change a user's roles",
		Long: `Show a user's roles, or change them: --add grants a role on --tenant (default
the user's tenant), --remove takes a role away (on --tenant only, when given).`,
		Example: `  tenantd users roles USER_ID
  tenantd users roles USER_ID --add company_admin --remove readonly_admin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			u, err := s.fetchUser(ctx, args[0])
			if err != nil {
				return err
			}
			policies := u.AccessPolicies
			if len(add) > 0 || len(remove) > 0 {
				on := tenant
				if on == "" {
					on = u.TenantID
				}
				var items []client.AccessPolicyPut
				for _, p := range policies {
					if slices.Contains(remove, string(p.RoleID)) && (tenant == "" || p.TenantID == tenant) {
						continue
					}
					items = append(items, client.AccessPolicyPut{RoleID: p.RoleID, TenantID: p.TenantID})
				}
				for _, r := range add {
					if !slices.ContainsFunc(items, func(p client.AccessPolicyPut) bool { return string(p.RoleID) == r && p.TenantID == on }) {
						items = append(items, client.AccessPolicyPut{RoleID: client.UserRole(r), TenantID: on})
					}
				}
				if items == nil {
					items = []client.AccessPolicyPut{}
				}
				resp, err := client.Check(s.c.UpdateUserAccessPoliciesWithResponse(ctx, u.ID, client.AccessPoliciesPut{Items: items}))
				if err != nil {
					return cliErr(err)
				}
				policies = resp.JSON200.Items
			}
			t := table{header: roleHeader, value: policies}
			if policies == nil {
				t.value = []client.AccessPolicy{}
			}
			for _, p := range policies {
				t.rows = append(t.rows, []string{string(p.RoleID), p.TenantID, p.CreatedAt.UTC().Format("2006-01-02 15:04")})
				t.ids = append(t.ids, string(p.RoleID))
			}
			return s.print(t)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&add, "add", nil, "grant a role; repeat or separate with commas")
	fs.StringSliceVar(&remove, "remove", nil, "take a role away; repeat or separate with commas")
	fs.StringVar(&tenant, "tenant", "", "the tenant of the roles to add or remove (default the user's tenant)")
	_ = cmd.RegisterFlagCompletionFunc("add", roleCompletion)
	_ = cmd.RegisterFlagCompletionFunc("remove", roleCompletion)
	return cmd
}

func (s *session) usersBuyer() *cobra.Command {
	var off bool
	cmd := &cobra.Command{
		Use:   "buyer USER_ID",
		Short: "Make a user a buyer, or no longer one",
		Long: `A buyer is offered purchases: quota proposals and, with a company_admin
role, the brand's Buy URL. --off makes the user no longer a buyer.`,
		Example: `  tenantd users buyer USER_ID
  tenantd users buyer USER_ID --off`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			return s.updateUser(ctx, args[0], func(u *client.User) client.UserPut {
				types := slices.DeleteFunc(slices.Clone(u.BusinessTypes), func(t string) bool { return t == "buyer" })
				if !off {
					types = append(types, "buyer")
				}
				if types == nil {
					types = client.BusinessTypes{}
				}
				return client.UserPut{BusinessTypes: &types}
			})
		},
	}
	cmd.Flags().BoolVar(&off, "off", false, "make the user no longer a buyer")
	return cmd
}
