package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantd/tenantd/client"
)

// treeFormat and treeVersion name the format of tenantd export's output,
// on its first line.
const (
	treeFormat  = "tenantd-tree"
	treeVersion = 1
)

// treeHeader is the first line of an export.
type treeHeader struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	TenantID   string    `json:"tenant_id"`
	Source     string    `json:"source"`
	ExportedAt time.Time `json:"exported_at"`
}

// treeRecord is every line after the header: one object of the tree.
type treeRecord struct {
	Type     string          `json:"type"`                // tenant, pricing, brand, services, offering_items, settings, user
	ID       string          `json:"id,omitempty"`        // tenant, user: the source's id
	ParentID string          `json:"parent_id,omitempty"` // tenant
	TenantID string          `json:"tenant_id,omitempty"` // all but tenant: the tenant it belongs to
	Data     json.RawMessage `json:"data"`
	Roles    []treeRole      `json:"roles,omitempty"` // user
}

// treeRole is one role of a user on a tenant.
type treeRole struct {
	RoleID   string `json:"role_id"`
	TenantID string `json:"tenant_id"`
}

// The fields each record's data keeps: what the API lets a create or an
// update set. Read-only fields (ids, versions, timestamps, derived flags)
// are left out.
var (
	tenantFields  = []string{"name", "kind", "enabled", "customer_id", "internal_tag", "language", "ancestral_access", "contact"}
	userFields    = []string{"login", "contact", "enabled", "language", "business_types", "notifications", "external_id"}
	pricingFields = []string{"mode", "currency"}
	contactDrop   = []string{"id", "created_at", "updated_at", "email_confirmed", "tenant_id", "user_id"}
)

const exportLong = `Write a subtree of tenants as JSON Lines on stdout, through the public API
(with the credentials of tenantd login, or --url, --client-id and --client-secret).

The first line is a header: {"format": "tenantd-tree", "version": 1, "tenant_id": ...,
"source": ..., "exported_at": ...}. Every other line is one object, parents before
children, each tenant followed by what belongs to it:

  {"type": "tenant", "id", "parent_id", "data": {name, kind, enabled, customer_id,
      internal_tag, language, ancestral_access, contact}}
  {"type": "pricing", "tenant_id", "data": {mode, currency}}
  {"type": "brand", "tenant_id", "data": {the brand's fields}}   (when branding is on)
  {"type": "services", "tenant_id", "data": [the ids of the services bound to it]}
  {"type": "offering_items", "tenant_id", "data": [{application_id, name, status,
      edition, locked, quota: {value, overage}}]}               (when it has any)
  {"type": "settings", "tenant_id", "data": [{application_id, name, own: {value,
      lock, exclusive}}]}                                        (its own values, if any)
  {"type": "user", "id", "tenant_id", "data": {login, contact, enabled, language,
      business_types, notifications, external_id}, "roles": [{role_id, tenant_id}]}

Ids are the source's; tenantd import maps them to the ids the target gives.
Service ids are the catalog's, the same on every instance. Read-only fields
(versions, timestamps, the trial's end) and the infrastructure an item offers
(infra_id, an id of the source's) are not exported.
Deleted tenants and users are not exported.

Secrets are never exported: the API gives no password hashes and no API client
secrets, so imported users have no password (they set one with an activation
e-mail or POST /users/{id}/password). --with-secrets is refused for that reason.`

func (a *app) newExportCmd() *cobra.Command {
	s := &session{a: a}
	var tenantID string
	var withSecrets bool
	cmd := &cobra.Command{
		Use:     "export --tenant ID",
		Short:   "Write a subtree of tenants, users, services, settings, items, pricing and brands as JSON Lines",
		Long:    exportLong,
		Example: `  tenantd export --tenant 4f8c... > tree.jsonl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if withSecrets {
				return &usageError{errors.New("--with-secrets: the API gives no password hashes or client secrets, so an export over the API cannot carry them")}
			}
			if tenantID == "" {
				return &usageError{errors.New("--tenant is required")}
			}
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			return a.export(cmd.Context(), s.c, tenantID)
		},
	}
	s.addSessionFlags(cmd)
	cmd.Flags().StringVar(&tenantID, "tenant", "", "the tenant at the top of the subtree")
	cmd.Flags().BoolVar(&withSecrets, "with-secrets", false, "export password hashes too: not possible over the API (see above), refused")
	return cmd
}

func (a *app) export(ctx context.Context, c *client.Client, rootID string) error {
	w := bufio.NewWriter(a.stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(treeHeader{Format: treeFormat, Version: treeVersion, TenantID: rootID, Source: c.URL(), ExportedAt: time.Now().UTC()}); err != nil {
		return err
	}
	for t, err := range c.Tenants(ctx, client.FetchTenantsBatchParams{SubtreeRootID: &rootID}) {
		if err != nil {
			return cliErr(err)
		}
		recs, err := exportTenant(ctx, c, t)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return w.Flush()
}

// exportTenant returns the records of one tenant: itself, its pricing, its
// brand and its users.
func exportTenant(ctx context.Context, c *client.Client, t client.TenantFull) ([]treeRecord, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	data, obj, err := keep(raw, tenantFields)
	if err != nil {
		return nil, err
	}
	parent := ""
	_ = json.Unmarshal(obj["parent_id"], &parent)
	recs := []treeRecord{{Type: "tenant", ID: t.ID, ParentID: parent, Data: data}}

	if t.Kind != client.TenantKindRoot {
		body, err := apiBody(c.FetchTenantPricingSettingsWithResponse(ctx, t.ID))
		if err != nil {
			return nil, fmt.Errorf("pricing of tenant %s: %w", t.ID, err)
		}
		if data, _, err = keep(body, pricingFields); err != nil {
			return nil, err
		}
		recs = append(recs, treeRecord{Type: "pricing", TenantID: t.ID, Data: data})
	}
	var branded bool
	_ = json.Unmarshal(obj["brand_enabled"], &branded)
	if branded {
		body, err := apiBody(c.FetchCustomBrandingOptionsWithResponse(ctx, t.ID, nil))
		if err != nil {
			return nil, fmt.Errorf("brand of tenant %s: %w", t.ID, err)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, err
		}
		delete(fields, "id")
		if data, err = json.Marshal(fields); err != nil {
			return nil, err
		}
		recs = append(recs, treeRecord{Type: "brand", TenantID: t.ID, Data: data})
	}

	more, err := exportServices(ctx, c, t.ID)
	if err != nil {
		return nil, err
	}
	recs = append(recs, more...)

	body, err := apiBody(c.FetchTenantUsersWithResponse(ctx, t.ID, nil))
	if err != nil {
		return nil, fmt.Errorf("users of tenant %s: %w", t.ID, err)
	}
	var ids struct{ Items []string }
	if err := json.Unmarshal(body, &ids); err != nil {
		return nil, err
	}
	for _, id := range ids.Items {
		body, err := apiBody(c.FetchUserWithResponse(ctx, id, nil))
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", id, err)
		}
		data, _, err := keep(body, userFields)
		if err != nil {
			return nil, err
		}
		pol, err := apiBody(c.FetchUserAccessPoliciesWithResponse(ctx, id))
		if err != nil {
			return nil, fmt.Errorf("roles of user %s: %w", id, err)
		}
		var policies struct{ Items []treeRole }
		if err := json.Unmarshal(pol, &policies); err != nil {
			return nil, err
		}
		recs = append(recs, treeRecord{Type: "user", ID: id, TenantID: t.ID, Data: data, Roles: policies.Items})
	}
	return recs, nil
}

// exportServices returns the records of a tenant's services, offering
// items (with quotas) and own settings.
func exportServices(ctx context.Context, c *client.Client, tenantID string) ([]treeRecord, error) {
	body, err := apiBody(c.FetchAvailableTenantApplicationsWithResponse(ctx, tenantID, nil))
	if err != nil {
		return nil, fmt.Errorf("services of tenant %s: %w", tenantID, err)
	}
	var apps struct{ Items []string }
	if err := json.Unmarshal(body, &apps); err != nil {
		return nil, err
	}
	slices.Sort(apps.Items)
	data, err := json.Marshal(apps.Items)
	if err != nil {
		return nil, err
	}
	recs := []treeRecord{{Type: "services", TenantID: tenantID, Data: data}}

	body, err = apiBody(c.FetchTenantOfferingItemsWithResponse(ctx, tenantID, &client.FetchTenantOfferingItemsParams{Edition: &everyEdition}))
	if err != nil {
		return nil, fmt.Errorf("offering items of tenant %s: %w", tenantID, err)
	}
	var items struct{ Items []json.RawMessage }
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, err
	}
	var kept []treeItem
	for _, raw := range items.Items {
		var it treeItem
		if err := json.Unmarshal(raw, &it); err != nil {
			return nil, err
		}
		if it.Quota != nil {
			it.Quota = &treeQuota{Value: it.Quota.Value, Overage: it.Quota.Overage}
		}
		kept = append(kept, it)
	}
	if len(kept) > 0 {
		slices.SortFunc(kept, func(a, b treeItem) int {
			return cmp.Or(cmp.Compare(a.ApplicationID, b.ApplicationID), cmp.Compare(a.Name, b.Name))
		})
		if data, err = json.Marshal(kept); err != nil {
			return nil, err
		}
		recs = append(recs, treeRecord{Type: "offering_items", TenantID: tenantID, Data: data})
	}

	var settings []treeSetting
	for _, app := range apps.Items {
		body, err := apiBody(c.FetchTenantSettingsWithResponse(ctx, app, tenantID))
		if err != nil {
			return nil, fmt.Errorf("settings of tenant %s: %w", tenantID, err)
		}
		var list struct {
			Items []struct {
				Name string          `json:"name"`
				Own  json.RawMessage `json:"own"`
			}
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, err
		}
		for _, it := range list.Items {
			if len(it.Own) > 0 && string(it.Own) != "null" {
				settings = append(settings, treeSetting{ApplicationID: app, Name: it.Name, Own: it.Own})
			}
		}
	}
	if len(settings) > 0 {
		if data, err = json.Marshal(settings); err != nil {
			return nil, err
		}
		recs = append(recs, treeRecord{Type: "settings", TenantID: tenantID, Data: data})
	}
	return recs, nil
}

// everyEdition lists the offering items of every edition.
var everyEdition = "*"

// treeItem is an offering item as an export keeps it.
type treeItem struct {
	ApplicationID string     `json:"application_id"`
	Name          string     `json:"name"`
	Status        int        `json:"status"`
	Edition       *string    `json:"edition,omitempty"`
	Locked        *bool      `json:"locked,omitempty"`
	Quota         *treeQuota `json:"quota,omitempty"`
}

// treeQuota is an item's quota; Version is read from the target, never
// exported.
type treeQuota struct {
	Value   *int `json:"value"`
	Overage *int `json:"overage"`
	Version int  `json:"version,omitempty"`
}

// treeSetting is a tenant's own value of a setting.
type treeSetting struct {
	ApplicationID string          `json:"application_id"`
	Name          string          `json:"name"`
	Own           json.RawMessage `json:"own"`
}

// keep returns the members of the JSON object raw named in fields (null
// ones left out, a contact without its read-only members), and the whole
// object.
func keep(raw []byte, fields []string) (json.RawMessage, map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, nil, fmt.Errorf("decode an answer: %w", err)
	}
	out := map[string]json.RawMessage{}
	for _, f := range fields {
		v, ok := obj[f]
		if !ok || string(v) == "null" {
			continue
		}
		if f == "contact" {
			var contact map[string]json.RawMessage
			if err := json.Unmarshal(v, &contact); err != nil {
				return nil, nil, fmt.Errorf("decode a contact: %w", err)
			}
			for _, d := range contactDrop {
				delete(contact, d)
			}
			for k, cv := range contact {
				if string(cv) == "null" {
					delete(contact, k)
				}
			}
			b, err := json.Marshal(contact)
			if err != nil {
				return nil, nil, err
			}
			v = b
		}
		out[f] = v
	}
	b, err := json.Marshal(out)
	return b, obj, err
}

// apiBody returns the body of a generated method's response, or the API's
// error as the command line reports it.
func apiBody[R client.Response](r R, err error) ([]byte, error) {
	r, err = client.Check(r, err)
	if err != nil {
		return nil, cliErr(err)
	}
	v := reflect.ValueOf(r).Elem().FieldByName("Body")
	if !v.IsValid() {
		return nil, errors.New("the response has no body")
	}
	return v.Bytes(), nil
}
