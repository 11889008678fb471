package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newReportsCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "reports",
		Aliases: []string{"report"},
		Short:   "Create usage reports, list them and download their files",
		Example: `  tenantd reports create --kind usage_current --tenant CUSTOMER_ID -q
  tenantd reports list --tenant CUSTOMER_ID
  tenantd reports download REPORT_ID --file usage.csv`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.reportsCreate(), s.reportsList(), s.reportsDownload())
	return cmd
}

var reportHeader = []string{"ID", "TENANT", "KIND", "LEVEL", "SCHEDULE", "FORMATS", "PERIOD"}

func reportRow(r client.Report) []string {
	var formats []string
	for _, f := range r.Parameters.Formats {
		formats = append(formats, string(f))
	}
	schedule := string(r.Schedule.Type)
	if !r.Schedule.Enabled {
		schedule += " (disabled)"
	}
	period := "-"
	if p := r.Parameters.Period; !p.Start.IsZero() {
		period = p.Start.String() + ".." + p.End.String()
	}
	return []string{r.ID, r.Parameters.TenantID, string(r.Parameters.Kind), string(r.Parameters.Level), schedule, strings.Join(formats, ","), period}
}

func parseDate(flag, v string) (*openapi_types.Date, error) {
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--%s must be a date like 2026-01-31, not %q", flag, v)}
	}
	return &openapi_types.Date{Time: t}, nil
}

func (s *session) reportsCreate() *cobra.Command {
	var tenant, kind, level, start, end string
	var formats []string
	var monthly, hideZero bool
	cmd := &cobra.Command{
		Use:   "create --kind KIND",
		Short: "Create a usage report, made once or every month",
		Long: `Create a usage report of a tenant. KIND is usage_current, usage_summary,
usage_daily or usage_breakdown; --level says which tenants it covers (itself,
direct_partners, all_partners, all_customers, accounts). A report made once
(the default) is made at once; --monthly makes one every month. Its files are
saved on the server: see reports list and reports download.`,
		Example: `  tenantd reports create --kind usage_current --tenant CUSTOMER_ID
  tenantd reports create --kind usage_summary --level all_customers --format csv,html --monthly
  tenantd reports create --kind usage_daily --start 2026-11-01 --end 2026-11-30 -q`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kind == "" {
				return &usageError{errors.New("--kind is required: usage_current, usage_summary, usage_daily or usage_breakdown")}
			}
			if !client.ReportKind(kind).Valid() {
				return &usageError{fmt.Errorf("--kind must be usage_current, usage_summary, usage_daily or usage_breakdown, not %q", kind)}
			}
			if !client.ReportLevel(level).Valid() {
				return &usageError{fmt.Errorf("--level must be itself, direct_partners, all_partners, all_customers or accounts, not %q", level)}
			}
			params := client.ReportPost_Parameters{Kind: client.ReportKind(kind), Level: client.ReportLevel(level)}
			var fs []client.ReportPostParametersFormats
			for _, f := range formats {
				if !client.ReportPostParametersFormats(f).Valid() {
					return &usageError{fmt.Errorf("--format must be csv, csv_v2_0, html, json_v1 or json_v2_0, not %q", f)}
				}
				fs = append(fs, client.ReportPostParametersFormats(f))
			}
			if fs != nil {
				params.Formats = &fs
			}
			if start != "" || end != "" {
				if start == "" || end == "" {
					return &usageError{errors.New("give both --start and --end, or neither")}
				}
				from, err := parseDate("start", start)
				if err != nil {
					return err
				}
				to, err := parseDate("end", end)
				if err != nil {
					return err
				}
				params.Period = &client.ReportPeriod{Start: *from, End: *to}
			}
			if hideZero {
				params.HideZeroUsage = &hideZero
			}
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			params.TenantID = s.tenantOrHome(tenant)
			body := client.ReportPost{Parameters: params, ResultAction: client.Save, Schedule: client.ReportPost_Schedule{Type: client.ReportPostScheduleTypeOnce}}
			if monthly {
				body.Schedule.Type = client.ReportPostScheduleTypeMonthly
			}
			resp, err := client.Check(s.c.CreateReportWithResponse(ctx, body))
			if err != nil {
				return cliErr(err)
			}
			r := resp.JSON200
			return s.print(table{header: reportHeader, rows: [][]string{reportRow(*r)}, ids: []string{r.ID}, value: r})
		},
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "the tenant the report is of (default the login's tenant)")
	f.StringVar(&kind, "kind", "", "usage_current, usage_summary, usage_daily or usage_breakdown")
	f.StringVar(&level, "level", "itself", "the tenants it covers: itself, direct_partners, all_partners, all_customers or accounts")
	f.StringSliceVar(&formats, "format", nil, "the files to make: csv, csv_v2_0, html, json_v1, json_v2_0 (default the server's)")
	f.StringVar(&start, "start", "", "the first day of the period (2026-11-01)")
	f.StringVar(&end, "end", "", "the last day of the period (2026-11-30)")
	f.BoolVar(&monthly, "monthly", false, "make the report every month instead of once")
	f.BoolVar(&hideZero, "hide-zero-usage", false, "leave out the items without usage")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions([]string{"usage_current", "usage_summary", "usage_daily", "usage_breakdown"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions([]string{"itself", "direct_partners", "all_partners", "all_customers", "accounts"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// storedFiles lists the files made of a report, newest first.
func (s *session) storedFiles(ctx context.Context, report string) ([]client.StoredReportParams_Items, error) {
	resp, err := client.Check(s.c.FetchStoredReportsWithResponse(ctx, report))
	if err != nil {
		return nil, cliErr(err)
	}
	items := slices.Clone(resp.JSON200.Items)
	slices.SortStableFunc(items, func(a, b client.StoredReportParams_Items) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if items == nil {
		items = []client.StoredReportParams_Items{}
	}
	return items, nil
}

func (s *session) reportsList() *cobra.Command {
	var tenant, report string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the reports of a tenant, or the files made of one report",
		Example: `  tenantd reports list --tenant CUSTOMER_ID
  tenantd reports list --report REPORT_ID`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			if report != "" {
				files, err := s.storedFiles(ctx, report)
				if err != nil {
					return err
				}
				t := table{header: []string{"ID", "FORMAT", "STATUS", "SIZE", "CREATED"}, value: files}
				for _, f := range files {
					created := f.CreatedAt
					t.rows = append(t.rows, []string{f.ID, string(f.ReportFormat), string(f.Status), fmt.Sprint(f.Size), stamp(&created)})
					t.ids = append(t.ids, f.ID)
				}
				return s.print(t)
			}
			resp, err := client.Check(s.c.FetchTenantReportsWithResponse(ctx, s.tenantOrHome(tenant)))
			if err != nil {
				return cliErr(err)
			}
			reports := []client.Report{}
			t := table{header: reportHeader}
			for _, id := range resp.JSON200.Items {
				r, err := client.Check(s.c.FetchReportWithResponse(ctx, id))
				if err != nil {
					return cliErr(err)
				}
				reports = append(reports, *r.JSON200)
				t.rows = append(t.rows, reportRow(*r.JSON200))
				t.ids = append(t.ids, id)
			}
			t.value = reports
			return s.print(t)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant (default the login's tenant)")
	cmd.Flags().StringVar(&report, "report", "", "list the files made of this report instead")
	return cmd
}

func (s *session) reportsDownload() *cobra.Command {
	var file, format string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "download REPORT_ID [FILE_ID]",
		Short: "Download a file of a report",
		Long: `Download a file made of a report to --file, or to standard output: the one
FILE_ID names, or else the newest (of --format, when given). A file still
being made is waited for, up to --wait.`,
		Example: `  tenantd reports download REPORT_ID > usage.csv
  tenantd reports download REPORT_ID --format html --file usage.html`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			deadline := time.Now().Add(wait)
			var pick client.StoredReportParams_Items
			for {
				files, err := s.storedFiles(ctx, args[0])
				if err != nil {
					return err
				}
				i := slices.IndexFunc(files, func(f client.StoredReportParams_Items) bool {
					if len(args) == 2 {
						return f.ID == args[1]
					}
					return format == "" || string(f.ReportFormat) == format
				})
				if i < 0 && (len(args) == 2 || len(files) > 0) {
					what := "no file of format " + format
					if len(args) == 2 {
						what = "no file " + args[1]
					}
					return &notFoundError{fmt.Sprintf("report %s has %s", args[0], what)}
				}
				if i >= 0 && files[i].Status == client.Failed {
					return fmt.Errorf("the file %s of report %s failed to be made", files[i].ID, args[0])
				}
				if i >= 0 && files[i].Status == client.Saved {
					pick = files[i]
					break
				}
				if time.Now().After(deadline) {
					return errors.New("the report's file is not made yet: try again later, or give a longer --wait")
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(500 * time.Millisecond):
				}
			}
			resp, err := client.Check(s.c.DownloadStoredReportWithResponse(ctx, args[0], pick.ID))
			if err != nil {
				return cliErr(err)
			}
			if file == "" {
				_, err = s.a.stdout.Write(resp.Body)
				return err
			}
			if err := os.WriteFile(file, resp.Body, 0o644); err != nil {
				return err
			}
			if !s.quiet {
				fmt.Fprintf(s.a.stderr, "Saved the %s file %s (%d bytes) to %s.\n", pick.ReportFormat, pick.ID, len(resp.Body), file)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", "write the file here instead of to standard output")
	f.StringVar(&format, "format", "", "the newest file of this format (csv, csv_v2_0, html, json_v1, json_v2_0)")
	f.DurationVar(&wait, "wait", time.Minute, "how long to wait for a file still being made")
	return cmd
}
