package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

func (a *app) newEventsCmd() *cobra.Command {
	s := &session{a: a}
	cmd := &cobra.Command{
		Use:     "events",
		Aliases: []string{"event"},
		Short:   "Read the audit trail of the changes in the login's subtree",
		Example: `  tenantd events tail
  tenantd events tail --tenant CUSTOMER_ID --type user --follow`,
	}
	s.addSessionFlags(cmd)
	cmd.AddCommand(s.eventsTail())
	return cmd
}

var eventHeader = []string{"TIME", "ACTION", "TYPE", "OBJECT", "TENANT", "ACTOR"}

func eventRow(e client.Event) []string {
	return []string{e.OccurredAt.UTC().Format("2006-01-02 15:04:05"), string(e.Action), string(e.ObjectType), e.ObjectID, e.TenantID,
		string(e.Actor.Type) + " " + e.Actor.ID}
}

// eventFeed reads the audit trail page after page from a cursor.
type eventFeed struct {
	s      *session
	params client.ListEventsParams
	cursor string
}

// next reads the events recorded after the cursor, and moves it past them.
func (f *eventFeed) next(ctx context.Context) ([]client.Event, error) {
	p := f.params
	if f.cursor != "" {
		p.After = &f.cursor
	}
	resp, err := client.Check(f.s.c.ListEventsWithResponse(ctx, &p))
	if err != nil {
		return nil, cliErr(err)
	}
	if c := resp.JSON200.Paging.Cursors.After; c != "" {
		f.cursor = c
	}
	return resp.JSON200.Items, nil
}

func (s *session) eventsTail() *cobra.Command {
	var tenant, objectType, objectID string
	var last int
	var follow bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print the latest events of the audit trail, and follow it",
		Long: `Print the latest events (--lines, 0 for all) of the audit trail: who changed
what, when, in the subtree of the login's tenant (or of --tenant). --follow
then polls the trail for new events with its cursor, every --interval, until
interrupted; it prints each event as it comes, and with --json or -o yaml one
JSON object per line or one YAML document per event.`,
		Example: `  tenantd events tail --lines 50
  tenantd events tail --type user --tenant CUSTOMER_ID --json
  tenantd events tail --follow --interval 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if last < 0 {
				return &usageError{fmt.Errorf("--lines must be 0 or more, not %d", last)}
			}
			if interval <= 0 {
				return &usageError{fmt.Errorf("--interval must be positive, not %s", interval)}
			}
			format, err := s.format()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := s.connect(ctx); err != nil {
				return err
			}
			f := &eventFeed{s: s}
			if tenant != "" {
				f.params.TenantID = &tenant
			}
			if objectType != "" {
				t := client.ListEventsParamsObjectType(objectType)
				if !t.Valid() {
					return &usageError{fmt.Errorf("--type %q is not an object type of the trail", objectType)}
				}
				f.params.ObjectType = &t
			}
			if objectID != "" {
				f.params.ObjectID = &objectID
			}
			var tail []client.Event
			for {
				page, err := f.next(ctx)
				if err != nil {
					return err
				}
				if len(page) == 0 {
					break
				}
				tail = append(tail, page...)
				if last > 0 && len(tail) > last {
					tail = tail[len(tail)-last:]
				}
			}
			if !follow {
				t := table{header: eventHeader, value: tail}
				if tail == nil {
					t.value = []client.Event{}
				}
				for _, e := range tail {
					t.rows = append(t.rows, eventRow(e))
					t.ids = append(t.ids, e.ID)
				}
				return s.print(t)
			}
			if err := s.stream(format, tail, true); err != nil {
				return err
			}
			for {
				select {
				case <-ctx.Done():
					return nil // interrupted: following ends there
				case <-time.After(interval):
				}
				page, err := f.next(ctx)
				if ctx.Err() != nil {
					return nil
				}
				if err != nil {
					return err
				}
				if err := s.stream(format, page, false); err != nil {
					return err
				}
			}
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&tenant, "tenant", "", "only the events of this tenant's subtree")
	fs.StringVar(&objectType, "type", "", "only the events of objects of this type (tenant, user, client, setting, ...)")
	fs.StringVar(&objectID, "object", "", "only the events of this object")
	fs.IntVarP(&last, "lines", "n", 20, "how many of the latest events to print first; 0 for all")
	fs.BoolVarP(&follow, "follow", "f", false, "keep printing new events until interrupted")
	fs.DurationVar(&interval, "interval", 2*time.Second, "how often --follow polls for new events")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"tenant", "user", "access_policies", "client", "setting",
		"application_binding", "offering_items", "item_prices", "edition", "pricing", "brand"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// stream prints events as --follow does: table rows (the header first),
// ids, JSON lines or YAML documents.
func (s *session) stream(format string, events []client.Event, first bool) error {
	w := s.a.stdout
	switch format {
	case "quiet":
		for _, e := range events {
			if _, err := fmt.Fprintln(w, e.ID); err != nil {
				return err
			}
		}
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, e := range events {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
	case "yaml":
		for _, e := range events {
			if err := writeYAML(w, e); err != nil {
				return err
			}
			if _, err := fmt.Fprintln(w, "---"); err != nil {
				return err
			}
		}
	default:
		// Fixed widths, so that the rows of later polls line up too.
		var lines [][]string
		rows := make([][]string, 0, len(events)+1)
		if first {
			rows = append(rows, eventHeader)
		}
		for _, e := range events {
			rows = append(rows, eventRow(e))
		}
		for _, r := range rows {
			lines = append(lines, []string{fmt.Sprintf("%-19s  %-21s  %-19s  %-36s  %-36s  %s", r[0], r[1], r[2], r[3], r[4], r[5])})
		}
		if len(lines) > 0 {
			return writeTable(w, s.width(), nil, lines)
		}
	}
	return nil
}
