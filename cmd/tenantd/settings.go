package main

import (
	"encoding/json"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newSettingsCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "settings",
		Aliases: []string{"setting"},
		Short:   "Show, set and unset the settings of a service for a tenant",
		Long: `A setting belongs to a service (its id, type or name) and is set on a tenant;
the tenants below it inherit it. --lock keeps them from changing it,
--exclusive keeps it to the tenant itself.`,
		Example: `  tenantd settings get platform --tenant CUSTOMER_ID
  tenantd settings set platform PromoteHigherEditions true --tenant CUSTOMER_ID --lock`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.settingsGet(), s.settingsSet(), s.settingsUnset())
	return cmd
}

var settingHeader = []string{"NAME", "VALUE", "LOCK", "EXCLUSIVE", "EFFECTIVE", "EFFECTIVE_FROM"}

// settingText is a setting's value as a table shows it: a string as it
// is, anything else as JSON.
func settingText(v client.SettingValue) string {
	b, err := v.MarshalJSON()
	if err != nil || len(b) == 0 || string(b) == "null" {
		return "-"
	}
	var str string
	if json.Unmarshal(b, &str) == nil {
		return str
	}
	return string(b)
}

func settingRow(st client.Setting) []string {
	row := []string{st.Name, "-", "-", "-", "-", "-"}
	if o := st.Own; o != nil {
		row[1], row[2], row[3] = settingText(o.Value), strconv.FormatBool(o.Lock), strconv.FormatBool(o.Exclusive)
	}
	if e := st.Effective; e != nil {
		row[4] = settingText(e.Value)
		if e.Owner.ID != "" {
			row[5] = string(e.Owner.Type) + " " + e.Owner.ID
		}
		if e.Lock {
			row[4] += " (locked)"
		}
	}
	return row
}

func (s *session) printSettings(sts []client.Setting) error {
	t := table{header: settingHeader, value: sts}
	if len(sts) == 1 {
		t.value = sts[0]
	}
	for _, st := range sts {
		t.rows = append(t.rows, settingRow(st))
		t.ids = append(t.ids, st.Name)
	}
	return s.print(t)
}

func (s *session) settingsGet() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:   "get SERVICE [NAME]",
		Short: "Show a setting, or all the settings of a service, for a tenant",
		Long: `Show a tenant's own value of a setting (with its lock and exclusive flags)
and the value in effect for it, inherited or not. Without NAME, every setting
of the service.`,
		Example: `  tenantd settings get platform --tenant CUSTOMER_ID
  tenantd settings get platform QuotaAlertThreshold --json`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			app, err := s.application(ctx, args[0])
			if err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			if len(args) == 1 {
				resp, err := client.Check(s.c.FetchTenantSettingsWithResponse(ctx, app.ID, tenant))
				if err != nil {
					return cliErr(err)
				}
				t := table{header: settingHeader, value: resp.JSON200.Items}
				for _, st := range resp.JSON200.Items {
					t.rows = append(t.rows, settingRow(st))
					t.ids = append(t.ids, st.Name)
				}
				return s.print(t)
			}
			resp, err := client.Check(s.c.FetchTenantApplicationSettingWithResponse(ctx, app.ID, tenant, args[1]))
			if err != nil {
				return cliErr(err)
			}
			return s.printSettings([]client.Setting{*resp.JSON200})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	return cmd
}

func (s *session) settingsSet() *cobra.Command {
	var tenant string
	var lock, exclusive bool
	cmd := &cobra.Command{
		Use:   "set SERVICE NAME VALUE",
		Short: "Set a setting on a tenant",
		Long: `Set a tenant's own value of a setting. VALUE is taken as JSON when it is JSON
(true, 80, {"a": 1}, "quoted"), as a string otherwise. --lock keeps the
tenants below from setting their own value; --exclusive applies the value to
the tenant only, not to those below.`,
		Example: `  tenantd settings set platform PromoteHigherEditions true --tenant CUSTOMER_ID
  tenantd settings set platform QuotaAlertThreshold 90 --lock`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			app, err := s.application(ctx, args[0])
			if err != nil {
				return err
			}
			raw := []byte(args[2])
			if !json.Valid(raw) {
				raw, _ = json.Marshal(args[2])
			}
			var v client.SettingValue
			if err := v.UnmarshalJSON(raw); err != nil {
				return &usageError{err}
			}
			body := client.SettingPut{Value: &v}
			if cmd.Flags().Changed("lock") {
				body.Lock = &lock
			}
			if cmd.Flags().Changed("exclusive") {
				body.Exclusive = &exclusive
			}
			resp, err := client.Check(s.c.UpdateTenantApplicationSettingWithResponse(ctx, app.ID, s.tenantOrHome(tenant), args[1], body))
			if err != nil {
				return cliErr(err)
			}
			return s.printSettings([]client.Setting{*resp.JSON200})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	fs.BoolVar(&lock, "lock", false, "keep the tenants below from setting their own value")
	fs.BoolVar(&exclusive, "exclusive", false, "apply the value to the tenant only, not to the tenants below")
	return cmd
}

func (s *session) settingsUnset() *cobra.Command {
	var tenant string
	cmd := &cobra.Command{
		Use:     "unset SERVICE NAME",
		Short:   "Remove a tenant's own value of a setting: it inherits it again",
		Example: `  tenantd settings unset platform PromoteHigherEditions --tenant CUSTOMER_ID`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			app, err := s.application(ctx, args[0])
			if err != nil {
				return err
			}
			tenant = s.tenantOrHome(tenant)
			if _, err := client.Check(s.c.DeleteTenantApplicationSettingWithResponse(ctx, app.ID, tenant, args[1])); err != nil {
				return cliErr(err)
			}
			resp, err := client.Check(s.c.FetchTenantApplicationSettingWithResponse(ctx, app.ID, tenant, args[1]))
			if err != nil {
				return cliErr(err)
			}
			return s.printSettings([]client.Setting{*resp.JSON200})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	return cmd
}
