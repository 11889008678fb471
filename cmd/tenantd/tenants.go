package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newTenantsCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "tenants",
		Aliases: []string{"tenant"},
		Short:   "List, show, create, change, suspend, move and delete tenants",
		Example: `  tenantd tenants tree
  tenantd tenants create --name "Acme" --kind customer --parent PARTNER_ID
  tenantd tenants suspend TENANT_ID`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.tenantsList(), s.tenantsTree(), s.tenantsGet(), s.tenantsCreate(), s.tenantsUpdate(),
		s.tenantsSuspend(), s.tenantsReactivate(), s.tenantsDelete(), s.tenantsRestore(), s.tenantsMove())
	return cmd
}

func tenantRow(t client.Tenant) []string {
	state := "enabled"
	if !t.Enabled {
		state = "suspended"
	}
	if t.DeletedAt != nil {
		state = "deleted"
	}
	return []string{t.ID, t.Name, string(t.Kind), state, string(t.PricingMode), strconv.Itoa(t.Version)}
}

var tenantHeader = []string{"ID", "NAME", "KIND", "STATE", "PRICING", "VERSION"}

// fetchTenant gets a tenant, deleted ones too when deleted.
func (s *session) fetchTenant(ctx context.Context, id string, deleted bool) (*client.Tenant, error) {
	var params *client.FetchTenantParams
	if deleted {
		params = &client.FetchTenantParams{AllowDeleted: &deleted}
	}
	resp, err := client.Check(s.c.FetchTenantWithResponse(ctx, id, params))
	if err != nil {
		return nil, cliErr(err)
	}
	return resp.JSON200, nil
}

func (s *session) printTenant(t *client.Tenant) error {
	return s.print(table{header: tenantHeader, rows: [][]string{tenantRow(*t)}, ids: []string{t.ID}, value: t})
}

// children lists the direct children of a tenant in full.
func (s *session) children(ctx context.Context, parent string) ([]client.Tenant, error) {
	var out []client.Tenant
	for t, err := range s.c.Tenants(ctx, client.FetchTenantsBatchParams{ParentID: &parent}) {
		if err != nil {
			return nil, cliErr(err)
		}
		out = append(out, fullToTenant(t))
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// fullToTenant converts a batch item to the tenant type of single reads:
// the two schemas describe the same object.
func fullToTenant(f client.TenantFull) client.Tenant {
	return client.Tenant{ID: f.ID, Name: f.Name, Kind: f.Kind, ParentID: f.ParentID, Enabled: f.Enabled, Version: f.Version,
		PricingMode: f.PricingMode, DeletedAt: f.DeletedAt, CustomerID: f.CustomerID, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

func (s *session) tenantsList() *cobra.Command {
	var parent string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the children of a tenant",
		Example: `  tenantd tenants list
  tenantd tenants list --parent PARTNER_ID --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			if parent == "" {
				parent = s.home
			}
			ts, err := s.children(cmd.Context(), parent)
			if err != nil {
				return err
			}
			t := table{header: tenantHeader, value: ts}
			for _, tn := range ts {
				t.rows = append(t.rows, tenantRow(tn))
				t.ids = append(t.ids, tn.ID)
			}
			if t.value == nil {
				t.value = []client.Tenant{}
			}
			return s.print(t)
		},
	}
	cmd.Flags().StringVar(&parent, "parent", "", "the tenant whose children to list (default the login's tenant)")
	return cmd
}

// treeNode is a tenant with its children, for tenants tree.
type treeNode struct {
	client.Tenant
	Children []*treeNode `json:"children"`
}

func (s *session) tenantsTree() *cobra.Command {
	return &cobra.Command{
		Use:   "tree [TENANT_ID]",
		Short: "Draw a tenant and everything below it as a tree",
		Example: `  tenantd tenants tree
  tenantd tenants tree PARTNER_ID -o yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			rootID := s.home
			if len(args) == 1 {
				rootID = args[0]
			}
			top, err := s.fetchTenant(ctx, rootID, false)
			if err != nil {
				return err
			}
			nodes := map[string]*treeNode{top.ID: {Tenant: *top, Children: []*treeNode{}}}
			var order []*treeNode
			for t, err := range s.c.Tenants(ctx, client.FetchTenantsBatchParams{SubtreeRootID: &rootID}) {
				if err != nil {
					return cliErr(err)
				}
				if t.ID == top.ID {
					continue
				}
				n := &treeNode{Tenant: fullToTenant(t), Children: []*treeNode{}}
				nodes[t.ID] = n
				order = append(order, n)
			}
			var ids []string
			for _, n := range order { // sorted by level: parents come first
				if p := nodes[n.ParentID]; p != nil {
					p.Children = append(p.Children, n)
				}
			}
			root := nodes[top.ID]
			sortTree(root)
			walkTree(root, func(n *treeNode) { ids = append(ids, n.ID) })
			f, err := s.format()
			if err != nil {
				return err
			}
			if f != "table" {
				return s.print(table{ids: ids, value: root})
			}
			var b strings.Builder
			drawTree(&b, root, "", "", s.width())
			_, err = io.WriteString(s.a.stdout, b.String())
			return err
		},
	}
}

func sortTree(n *treeNode) {
	sort.SliceStable(n.Children, func(i, j int) bool {
		return strings.ToLower(n.Children[i].Name) < strings.ToLower(n.Children[j].Name)
	})
	for _, c := range n.Children {
		sortTree(c)
	}
}

func walkTree(n *treeNode, fn func(*treeNode)) {
	fn(n)
	for _, c := range n.Children {
		walkTree(c, fn)
	}
}

// drawTree writes a tree with box-drawing lines:
//
//	Root (root)
//	├── Partner (partner)
//	│   └── Customer (customer, trial)
//	└── Other (partner, suspended)
func drawTree(b *strings.Builder, n *treeNode, first, rest string, width int) {
	notes := []string{string(n.Kind)}
	if n.PricingMode == client.PricingModeTrial {
		notes = append(notes, "trial")
	}
	if !n.Enabled {
		notes = append(notes, "suspended")
	}
	line := fmt.Sprintf("%s%s (%s)  %s", first, n.Name, strings.Join(notes, ", "), n.ID)
	if width > 0 && len([]rune(line)) > width {
		line = string([]rune(line)[:width-1]) + "…"
	}
	b.WriteString(line + "\n")
	for i, c := range n.Children {
		if i == len(n.Children)-1 {
			drawTree(b, c, rest+"└── ", rest+"    ", width)
		} else {
			drawTree(b, c, rest+"├── ", rest+"│   ", width)
		}
	}
}

func (s *session) tenantsGet() *cobra.Command {
	var deleted bool
	cmd := &cobra.Command{
		Use:     "get TENANT_ID",
		Short:   "Show a tenant",
		Example: `  tenantd tenants get TENANT_ID --json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			t, err := s.fetchTenant(cmd.Context(), args[0], deleted)
			if err != nil {
				return err
			}
			return s.printTenant(t)
		},
	}
	cmd.Flags().BoolVar(&deleted, "deleted", false, "show the tenant also when it is deleted")
	return cmd
}

func (s *session) tenantsCreate() *cobra.Command {
	var name, kind, parent, customerID, language string
	cmd := &cobra.Command{
		Use:   "create --name NAME --kind KIND",
		Short: "Create a tenant",
		Example: `  tenantd tenants create --name "Partner One" --kind partner
  tenantd tenants create --name Acme --kind customer --parent PARTNER_ID -q`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" || kind == "" {
				return &usageError{errors.New("--name and --kind are required")}
			}
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			if parent == "" {
				parent = s.home
			}
			body := client.TenantPost{Name: name, Kind: client.TenantKind(kind), ParentID: parent}
			if customerID != "" {
				body.CustomerID = &customerID
			}
			if language != "" {
				body.Language = &language
			}
			resp, err := client.Check(s.c.CreateTenantWithResponse(cmd.Context(), body))
			if err != nil {
				return cliErr(err)
			}
			return s.printTenant(resp.JSON201)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&name, "name", "", "the tenant's name")
	fs.StringVar(&kind, "kind", "", "partner, folder, customer or unit")
	fs.StringVar(&parent, "parent", "", "the parent tenant (default the login's tenant)")
	fs.StringVar(&customerID, "customer-id", "", "the provider's own id of the customer")
	fs.StringVar(&language, "language", "", "the tenant's language (en, de, ...)")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions([]string{"partner", "folder", "customer", "unit"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (s *session) tenantsUpdate() *cobra.Command {
	var name, customerID, language, internalTag string
	cmd := &cobra.Command{
		Use:   "update TENANT_ID",
		Short: "Change a tenant's name, customer id, language or internal tag",
		Long: `Change a tenant's fields. The tenant's current version is fetched first, so
a change made by someone else meanwhile is refused (exit code 4).
Use suspend, reactivate and move for the other changes.`,
		Example: `  tenantd tenants update TENANT_ID --name "Acme Corp"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			t, err := s.fetchTenant(ctx, args[0], false)
			if err != nil {
				return err
			}
			body := client.TenantPut{Version: t.Version}
			changed := false
			if cmd.Flags().Changed("name") {
				body.Name, changed = &name, true
			}
			if cmd.Flags().Changed("customer-id") {
				body.CustomerID, changed = &customerID, true
			}
			if cmd.Flags().Changed("language") {
				body.Language, changed = &language, true
			}
			if cmd.Flags().Changed("internal-tag") {
				body.InternalTag, changed = &internalTag, true
			}
			if !changed {
				return &usageError{errors.New("nothing to change: give --name, --customer-id, --language or --internal-tag")}
			}
			resp, err := client.Check(s.c.UpdateTenantWithResponse(ctx, t.ID, nil, body))
			if err != nil {
				return cliErr(err)
			}
			return s.printTenant(resp.JSON200)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&name, "name", "", "new name")
	fs.StringVar(&customerID, "customer-id", "", "new customer id")
	fs.StringVar(&language, "language", "", "new language")
	fs.StringVar(&internalTag, "internal-tag", "", "new internal tag")
	return cmd
}

// blastRadius writes what a dry run says a change would do.
func blastRadius(w io.Writer, name string, d *client.TenantDryRun) {
	verb := map[client.TenantDryRunOperation]string{
		client.TenantDryRunOperationSuspend: "Suspending", client.TenantDryRunOperationMove: "Moving",
		client.TenantDryRunOperationSuspendAndMove: "Suspending and moving", client.TenantDryRunOperationDelete: "Deleting",
	}[d.Operation]
	effect := map[client.TenantDryRunOperation]string{
		client.TenantDryRunOperationSuspend: "locks out", client.TenantDryRunOperationMove: "moves",
		client.TenantDryRunOperationSuspendAndMove: "locks out and moves", client.TenantDryRunOperationDelete: "deletes",
	}[d.Operation]
	var kinds []string
	for _, k := range []string{"partner", "folder", "customer", "unit"} {
		if n := d.Tenants.ByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
	}
	fmt.Fprintf(w, "%s %q %s:\n", verb, name, effect)
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-12s %s\n", label, fmt.Sprintf(format, args...))
	}
	tenants := strconv.Itoa(d.Tenants.Total)
	if len(kinds) > 0 {
		tenants += " (" + strings.Join(kinds, ", ") + ")"
	}
	line("tenants", "%s", tenants)
	line("users", "%d", d.Users)
	line("API clients", "%d", d.APIClients)
	if d.Operation != client.TenantDryRunOperationMove {
		line("credentials", "%d in use stop working (sessions, API client tokens)", d.ActiveTokens)
	}
	for _, sv := range d.Services {
		line("service", "%s on %s", sv.ApplicationID, plural(sv.Tenants, "tenant"))
	}
	for _, q := range d.Quotas {
		line("quota", "%s on %s", q.Name, plural(q.Tenants, "tenant"))
	}
	if m := d.Move; m != nil {
		for _, sv := range m.UnavailableServices {
			line("not offered", "service %s: the new parent does not have it", sv)
		}
		for _, it := range m.UnavailableOfferingItems {
			line("not offered", "offering item %s: the new parent does not have it", it.Name)
		}
	}
	if r := d.Retention; r != nil {
		line("restorable", "until %s (tenantd tenants restore)", r.RestorableUntil.UTC().Format("2006-01-02 15:04 MST"))
	}
}

// structural runs a suspension or move: the dry run, its blast radius,
// the confirmation, then the change.
func (s *session) structural(ctx context.Context, id string, question string, change func(t *client.Tenant) client.TenantPut) error {
	t, err := s.fetchTenant(ctx, id, false)
	if err != nil {
		return err
	}
	body := change(t)
	d, err := s.c.DryRunUpdateTenant(ctx, t.ID, body)
	if err != nil {
		return cliErr(err)
	}
	blastRadius(s.a.stderr, t.Name, d)
	if err := s.confirm(question); err != nil {
		return err
	}
	resp, err := client.Check(s.c.UpdateTenantWithResponse(ctx, t.ID, nil, body))
	if err != nil {
		return cliErr(err)
	}
	return s.printTenant(resp.JSON200)
}

func (s *session) tenantsSuspend() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "suspend TENANT_ID",
		Short: "Suspend a tenant, locking out its subtree",
		Long: `Suspend a tenant: its users and API clients, and those of every tenant below
it, are locked out until it is reactivated. What it would lock out is printed
first (a dry run), then confirmation is asked unless --yes.`,
		Example: `  tenantd tenants suspend CUSTOMER_ID
  tenantd tenants suspend CUSTOMER_ID --yes -q`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			off := false
			return s.structural(cmd.Context(), args[0], "Suspend it?", func(t *client.Tenant) client.TenantPut {
				return client.TenantPut{Version: t.Version, Enabled: &off}
			})
		},
	}
	cmd.Flags().BoolVarP(&s.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (s *session) tenantsReactivate() *cobra.Command {
	return &cobra.Command{
		Use:     "reactivate TENANT_ID",
		Short:   "Reactivate a suspended tenant",
		Example: `  tenantd tenants reactivate CUSTOMER_ID`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			t, err := s.fetchTenant(ctx, args[0], false)
			if err != nil {
				return err
			}
			on := true
			resp, err := client.Check(s.c.UpdateTenantWithResponse(ctx, t.ID, nil, client.TenantPut{Version: t.Version, Enabled: &on}))
			if err != nil {
				return cliErr(err)
			}
			return s.printTenant(resp.JSON200)
		},
	}
}

func (s *session) tenantsMove() *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "move TENANT_ID --to PARENT_ID",
		Short: "Move a tenant with its subtree under another parent",
		Long: `Move a tenant, with everything below it, under another parent. What it
would move, and what the new parent lacks, is printed first (a dry run), then
confirmation is asked unless --yes.`,
		Example: `  tenantd tenants move CUSTOMER_ID --to OTHER_PARTNER_ID`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return &usageError{errors.New("--to is required")}
			}
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			return s.structural(cmd.Context(), args[0], "Move it?", func(t *client.Tenant) client.TenantPut {
				return client.TenantPut{Version: t.Version, ParentID: &to}
			})
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the new parent")
	cmd.Flags().BoolVarP(&s.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (s *session) tenantsDelete() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete TENANT_ID",
		Short: "Delete a suspended tenant with its subtree",
		Long: `Delete a suspended tenant with everything below it, their users and API
clients. They can be restored during the server's retention period. What it
would delete is printed first (a dry run), then confirmation is asked unless
--yes.`,
		Example: `  tenantd tenants suspend CUSTOMER_ID --yes && tenantd tenants delete CUSTOMER_ID --yes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			t, err := s.fetchTenant(ctx, args[0], false)
			if err != nil {
				return err
			}
			d, err := s.c.DryRunDeleteTenant(ctx, t.ID, t.Version)
			if err != nil {
				return cliErr(err)
			}
			blastRadius(s.a.stderr, t.Name, d)
			if err := s.confirm("Delete it?"); err != nil {
				return err
			}
			if _, err := client.Check(s.c.DeleteTenantWithResponse(ctx, t.ID, &client.DeleteTenantParams{Version: t.Version})); err != nil {
				return cliErr(err)
			}
			if !s.quiet {
				fmt.Fprintf(s.a.stderr, "Deleted %q.\n", t.Name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&s.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (s *session) tenantsRestore() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "restore TENANT_ID",
		Short:   "Restore a deleted tenant with what was deleted with it",
		Example: `  tenantd tenants restore CUSTOMER_ID --force`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			if _, err := client.Check(s.c.RestoreDeletedTenantWithResponse(ctx, args[0], &client.RestoreDeletedTenantParams{Force: &force})); err != nil {
				return cliErr(err)
			}
			t, err := s.fetchTenant(ctx, args[0], false)
			if err != nil {
				return err
			}
			return s.printTenant(t)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "restore under a new name when a live sibling took its name")
	return cmd
}

// plural is "1 tenant" or "n tenants".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
