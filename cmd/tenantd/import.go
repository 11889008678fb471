package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tenantd/tenantd/client"
)

const importLong = `Load a file that tenantd export wrote into this instance, through the public
API (with the credentials of tenantd login, or --url, --client-id and --client-secret).

The API gives every new tenant and user an id of its own: a create cannot carry
one. tenantd import therefore keeps a map from the file's ids to this instance's
in a state file (--state, default FILE.state), one JSON line per object created,
written as soon as the object is. Re-running the same import reads the map and
changes nothing that is already as the file says; an import stopped part-way
(even killed) resumes where it stopped. Each create is also sent with an
Idempotency-Key made of the export's header and the object's id, so that a create
whose answer was lost to an interruption is answered again, not made twice
(the server keeps those answers 24 hours). Without its state file, an import into
an instance that already holds the objects stops at the first one with a 409
(tenant names are unique under a parent, logins everywhere): it never makes an
object twice.

The file's top tenant is created under --parent (default the tenant of the
credentials); when it is the root tenant, its children go under --parent instead.
Pricing is set (a trial switches to production, not back), branding is enabled
and its fields set, services are bound (none is unbound), offering items are
turned on or off with their quotas, own setting values are set, users are created with their business types and given their
roles. Users get no password (the API gives none to export): they set one through
an activation e-mail.

A progress bar is drawn on stderr when it is a terminal; a summary line ends the
import either way.`

func (a *app) newImportCmd() *cobra.Command {
	s := &session{a: a}
	var parent, state string
	var parallel int
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Load a tenantd export into this instance, idempotently",
		Long:  importLong,
		Example: `  tenantd import tree.jsonl
  tenantd import --parent 4f8c... --state tree.state tree.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := s.connect(cmd.Context()); err != nil {
				return err
			}
			if parent == "" {
				parent = s.home
			}
			if state == "" {
				state = args[0] + ".state"
			}
			if parallel < 1 || parallel > 64 {
				return &usageError{errors.New("--parallel must be 1 to 64")}
			}
			return a.importTree(cmd.Context(), s.c, args[0], parent, state, parallel)
		},
	}
	s.addSessionFlags(cmd)
	cmd.Flags().StringVar(&parent, "parent", "", "tenant to create the file's top tenant under (default the tenant of the credentials)")
	cmd.Flags().IntVar(&parallel, "parallel", 4, "how many requests to have under way at once (objects of one level of the tree go together)")
	cmd.Flags().StringVar(&state, "state", "", "file that maps the export's ids to this instance's (default FILE.state)")
	return cmd
}

// importer loads one file.
type importer struct {
	c      *client.Client
	parent string
	top    string            // the file's top tenant
	keyTag string            // the export's part of every Idempotency-Key
	ids    map[string]string // "tenant:ID" and "user:ID" of the file to this instance's id
	state  *os.File

	mu sync.Mutex // guards ids and the state file's writes

	created, updated, unchanged atomic.Int64
}

func (a *app) importTree(ctx context.Context, c *client.Client, path, parent, statePath string, parallel int) error {
	header, records, err := readTree(path)
	if err != nil {
		return err
	}
	im := &importer{c: c, parent: parent, top: header.TenantID, ids: map[string]string{}}
	sum := sha256.Sum256([]byte(header.Source + "\n" + header.TenantID + "\n" + header.ExportedAt.String() + "\n" + parent))
	im.keyTag = hex.EncodeToString(sum[:8])
	if err := im.openState(statePath); err != nil {
		return err
	}
	defer im.state.Close()

	bar := progressbar.NewOptions(len(records),
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetVisibility(isTerminal(a.stderr)),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)
	// Tenants first, level by level; then what belongs to them, level by
	// level too (a child's offering items need its parent's). The records
	// of one level go --parallel at a time.
	for _, group := range importGroups(header.TenantID, records) {
		if err := im.applyGroup(ctx, group, parallel, func() { _ = bar.Add(1) }); err != nil {
			_ = bar.Exit()
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	_ = bar.Finish()
	fmt.Fprintf(a.stderr, "imported %d objects: %d created, %d updated, %d unchanged\n",
		len(records), im.created.Load(), im.updated.Load(), im.unchanged.Load())
	return nil
}

// numbered is a record and its line in the file.
type numbered struct {
	line int
	treeRecord
}

// importGroups orders the records for import: the tenants of each level of
// the tree, top first, then the other records by the level of their
// tenant.
func importGroups(top string, records []treeRecord) [][]numbered {
	depth := map[string]int{}
	maxDepth := 0
	for _, r := range records {
		if r.Type != "tenant" {
			continue
		}
		d := 0
		if r.ID != top {
			d = depth[r.ParentID] + 1
		}
		depth[r.ID] = d
		maxDepth = max(maxDepth, d)
	}
	groups := make([][]numbered, 2*(maxDepth+1))
	for i, r := range records {
		if r.Type == "tenant" {
			groups[depth[r.ID]] = append(groups[depth[r.ID]], numbered{i + 2, r})
		} else {
			d := depth[r.TenantID]
			groups[maxDepth+1+d] = append(groups[maxDepth+1+d], numbered{i + 2, r})
		}
	}
	return groups
}

// applyGroup applies records, parallel at a time, calling done after each;
// it returns the first error.
func (im *importer) applyGroup(ctx context.Context, group []numbered, parallel int, done func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan numbered)
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range min(parallel, len(group)) {
		wg.Go(func() {
			for r := range work {
				if err := im.apply(ctx, r.treeRecord); err != nil {
					errOnce.Do(func() {
						id := r.ID
						if id == "" {
							id = "of tenant " + r.TenantID
						}
						firstErr = fmt.Errorf("line %d (%s %s): %w", r.line, r.Type, id, err)
						cancel()
					})
					continue
				}
				done()
			}
		})
	}
	for _, r := range group {
		if ctx.Err() != nil {
			break
		}
		work <- r
	}
	close(work)
	wg.Wait()
	return firstErr
}

// readTree reads and checks an export.
func readTree(path string) (*treeHeader, []treeRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var header treeHeader
	if !sc.Scan() {
		return nil, nil, fmt.Errorf("%s: empty, not a tenantd export", path)
	}
	if err := json.Unmarshal(sc.Bytes(), &header); err != nil || header.Format != treeFormat {
		return nil, nil, fmt.Errorf("%s: the first line is not a %s header", path, treeFormat)
	}
	if header.Version != treeVersion {
		return nil, nil, fmt.Errorf("%s: format version %d; this tenantd reads version %d", path, header.Version, treeVersion)
	}
	var records []treeRecord
	for n := 2; sc.Scan(); n++ {
		var r treeRecord
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		switch {
		case r.Type == "tenant" && r.ID != "", r.Type == "user" && r.ID != "" && r.TenantID != "",
			slices.Contains([]string{"pricing", "brand", "services", "offering_items", "settings"}, r.Type) && r.TenantID != "":
		default:
			return nil, nil, fmt.Errorf("%s line %d: not a tenant, pricing, brand, services, offering_items, settings or user record with its ids", path, n)
		}
		records = append(records, r)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &header, records, nil
}

// stateEntry is one line of the state file.
type stateEntry struct {
	Source string `json:"source"` // "tenant:ID" or "user:ID" of the file
	Target string `json:"target"` // the id on this instance
}

// openState reads the map of a previous run and opens the file to add to
// it. A line cut short by an interruption is ignored.
func (im *importer) openState(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("state file: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		var e stateEntry
		if json.Unmarshal([]byte(line), &e) == nil && e.Source != "" && e.Target != "" {
			im.ids[e.Source] = e.Target
		}
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		// The last line was cut: end it, so that the next one stands alone.
		if _, err := f.Write([]byte("\n")); err != nil {
			_ = f.Close()
			return fmt.Errorf("state file: %w", err)
		}
	}
	im.state = f
	return nil
}

// remember records a mapping in the state file. One write call a line: a
// killed process leaves whole lines, or the last one cut.
func (im *importer) remember(source, target string) error {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.ids[source] = target
	b, err := json.Marshal(stateEntry{Source: source, Target: target})
	if err != nil {
		return err
	}
	if _, err := im.state.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	return nil
}

// lookup returns the id on this instance of an object of the file.
func (im *importer) lookup(source string) (string, bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	t, ok := im.ids[source]
	return t, ok
}

// tenant maps a tenant id of the file to this instance's.
func (im *importer) tenant(id string) (string, error) {
	if t, ok := im.lookup("tenant:" + id); ok {
		return t, nil
	}
	return "", fmt.Errorf("tenant %s is not in the file before the objects that name it", id)
}

// idempotencyKey names the create of one object of this export.
func (im *importer) idempotencyKey(kind, id string) client.RequestEditorFn {
	key := "tenantd-import-" + im.keyTag + "-" + kind + "-" + id
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Idempotency-Key", key)
		return nil
	}
}

func (im *importer) apply(ctx context.Context, r treeRecord) error {
	switch r.Type {
	case "tenant":
		return im.applyTenant(ctx, r)
	case "pricing":
		return im.applyPricing(ctx, r)
	case "brand":
		return im.applyBrand(ctx, r)
	case "user":
		return im.applyUser(ctx, r)
	case "services":
		return im.applyServices(ctx, r)
	case "offering_items":
		return im.applyItems(ctx, r)
	case "settings":
		return im.applySettings(ctx, r)
	}
	return fmt.Errorf("unknown record type %q", r.Type)
}

func (im *importer) applyTenant(ctx context.Context, r treeRecord) error {
	source := "tenant:" + r.ID
	if _, ok := im.lookup(source); ok {
		im.unchanged.Add(1)
		return nil
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return err
	}
	var kind string
	_ = json.Unmarshal(data["kind"], &kind)
	parent := im.parent
	if r.ID == im.top {
		if kind == string(client.TenantKindRoot) {
			im.unchanged.Add(1)
			return im.remember(source, im.parent)
		}
	} else {
		var err error
		if parent, err = im.tenant(r.ParentID); err != nil {
			return err
		}
	}
	data["parent_id"], _ = json.Marshal(parent)
	body, err := json.Marshal(data)
	if err != nil {
		return err
	}
	resp, err := apiBody(im.c.CreateTenantWithBodyWithResponse(ctx, "application/json", bytes.NewReader(body), im.idempotencyKey("tenant", r.ID)))
	if err != nil {
		return err
	}
	var created struct{ ID string }
	if err := json.Unmarshal(resp, &created); err != nil || created.ID == "" {
		return fmt.Errorf("the tenant's create answered no id: %s", resp)
	}
	im.created.Add(1)
	return im.remember(source, created.ID)
}

func (im *importer) applyPricing(ctx context.Context, r treeRecord) error {
	id, err := im.tenant(r.TenantID)
	if err != nil {
		return err
	}
	var want struct {
		Mode     string  `json:"mode"`
		Currency *string `json:"currency"`
	}
	if err := json.Unmarshal(r.Data, &want); err != nil {
		return err
	}
	body, err := apiBody(im.c.FetchTenantPricingSettingsWithResponse(ctx, id))
	if err != nil {
		return err
	}
	var have struct {
		Mode     string  `json:"mode"`
		Currency *string `json:"currency"`
		Version  int64   `json:"version"`
	}
	if err := json.Unmarshal(body, &have); err != nil {
		return err
	}
	put := map[string]any{"version": have.Version}
	if want.Mode != "" && want.Mode != have.Mode {
		put["mode"] = want.Mode
	}
	if !equalPtr(want.Currency, have.Currency) {
		put["currency"] = want.Currency
	}
	if len(put) == 1 {
		im.unchanged.Add(1)
		return nil
	}
	b, err := json.Marshal(put)
	if err != nil {
		return err
	}
	if _, err := apiBody(im.c.UpdateTenantPricingSettingsWithBodyWithResponse(ctx, id, "application/json", bytes.NewReader(b))); err != nil {
		return err
	}
	im.updated.Add(1)
	return nil
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// tenantVersion returns a tenant's version and whether branding is on.
func (im *importer) tenantVersion(ctx context.Context, id string) (int, bool, error) {
	body, err := apiBody(im.c.FetchTenantWithResponse(ctx, id, nil))
	if err != nil {
		return 0, false, err
	}
	var t struct {
		Version      int  `json:"version"`
		BrandEnabled bool `json:"brand_enabled"`
	}
	err = json.Unmarshal(body, &t)
	return t.Version, t.BrandEnabled, err
}

func (im *importer) applyBrand(ctx context.Context, r treeRecord) error {
	id, err := im.tenant(r.TenantID)
	if err != nil {
		return err
	}
	version, enabled, err := im.tenantVersion(ctx, id)
	if err != nil {
		return err
	}
	changed := false
	if !enabled {
		if _, err := apiBody(im.c.EnableCustomBrandingWithResponse(ctx, id, &client.EnableCustomBrandingParams{Version: version})); err != nil {
			return err
		}
		if version, _, err = im.tenantVersion(ctx, id); err != nil {
			return err
		}
		changed = true
	}
	body, err := apiBody(im.c.FetchCustomBrandingOptionsWithResponse(ctx, id, nil))
	if err != nil {
		return err
	}
	var want, have map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &want); err != nil {
		return err
	}
	if err := json.Unmarshal(body, &have); err != nil {
		return err
	}
	diff := map[string]json.RawMessage{}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !bytes.Equal(want[k], have[k]) {
			diff[k] = want[k]
		}
	}
	if len(diff) > 0 {
		b, err := json.Marshal(diff)
		if err != nil {
			return err
		}
		if _, err := apiBody(im.c.ModifyCustomBrandingWithBodyWithResponse(ctx, id, &client.ModifyCustomBrandingParams{Version: version},
			"application/json", bytes.NewReader(b))); err != nil {
			return err
		}
		changed = true
	}
	if changed {
		im.updated.Add(1)
	} else {
		im.unchanged.Add(1)
	}
	return nil
}

func (im *importer) applyUser(ctx context.Context, r treeRecord) error {
	tenantID, err := im.tenant(r.TenantID)
	if err != nil {
		return err
	}
	source := "user:" + r.ID
	id, ok := im.lookup(source)
	if !ok {
		var data map[string]json.RawMessage
		if err := json.Unmarshal(r.Data, &data); err != nil {
			return err
		}
		data["tenant_id"], _ = json.Marshal(tenantID)
		body, err := json.Marshal(data)
		if err != nil {
			return err
		}
		resp, err := apiBody(im.c.CreateUserWithBodyWithResponse(ctx, "application/json", bytes.NewReader(body), im.idempotencyKey("user", r.ID)))
		if err != nil {
			return err
		}
		var created struct{ ID string }
		if err := json.Unmarshal(resp, &created); err != nil || created.ID == "" {
			return fmt.Errorf("the user's create answered no id: %s", resp)
		}
		id = created.ID
		if err := im.remember(source, id); err != nil {
			return err
		}
		im.created.Add(1)
	}
	want := make([]string, 0, len(r.Roles))
	put := client.AccessPoliciesPut{Items: []client.AccessPolicyPut{}}
	for _, role := range r.Roles {
		t, err := im.tenant(role.TenantID)
		if err != nil {
			return err
		}
		want = append(want, role.RoleID+"@"+t)
		put.Items = append(put.Items, client.AccessPolicyPut{RoleID: client.UserRole(role.RoleID), TenantID: t})
	}
	body, err := apiBody(im.c.FetchUserAccessPoliciesWithResponse(ctx, id))
	if err != nil {
		return err
	}
	var have struct{ Items []treeRole }
	if err := json.Unmarshal(body, &have); err != nil {
		return err
	}
	got := make([]string, 0, len(have.Items))
	for _, p := range have.Items {
		got = append(got, p.RoleID+"@"+p.TenantID)
	}
	slices.Sort(want)
	slices.Sort(got)
	if slices.Equal(want, got) {
		if ok {
			im.unchanged.Add(1)
		}
		return nil
	}
	if _, err := apiBody(im.c.UpdateUserAccessPoliciesWithResponse(ctx, id, put)); err != nil {
		return err
	}
	if ok {
		im.updated.Add(1)
	}
	return nil
}

// count counts a record as changed or not.
func (im *importer) count(changed bool) {
	if changed {
		im.updated.Add(1)
	} else {
		im.unchanged.Add(1)
	}
}

func (im *importer) applyServices(ctx context.Context, r treeRecord) error {
	id, err := im.tenant(r.TenantID)
	if err != nil {
		return err
	}
	var want []string
	if err := json.Unmarshal(r.Data, &want); err != nil {
		return err
	}
	body, err := apiBody(im.c.FetchAvailableTenantApplicationsWithResponse(ctx, id, nil))
	if err != nil {
		return err
	}
	var have struct{ Items []string }
	if err := json.Unmarshal(body, &have); err != nil {
		return err
	}
	changed := false
	for _, app := range want {
		if slices.Contains(have.Items, app) {
			continue
		}
		if _, err := apiBody(im.c.TurnOnTenantApplicationWithResponse(ctx, app, id)); err != nil {
			return fmt.Errorf("bind service %s: %w", app, err)
		}
		changed = true
	}
	im.count(changed)
	return nil
}

func (im *importer) applyItems(ctx context.Context, r treeRecord) error {
	id, err := im.tenant(r.TenantID)
	if err != nil {
		return err
	}
	var want []treeItem
	if err := json.Unmarshal(r.Data, &want); err != nil {
		return err
	}
	body, err := apiBody(im.c.FetchTenantOfferingItemsWithResponse(ctx, id, &client.FetchTenantOfferingItemsParams{Edition: &everyEdition}))
	if err != nil {
		return err
	}
	var have struct{ Items []treeItem }
	if err := json.Unmarshal(body, &have); err != nil {
		return err
	}
	var put []treeItem
	for _, w := range want {
		i := slices.IndexFunc(have.Items, func(h treeItem) bool { return h.ApplicationID == w.ApplicationID && h.Name == w.Name })
		if i >= 0 && sameItem(w, have.Items[i]) {
			continue
		}
		if w.Quota != nil && i >= 0 && have.Items[i].Quota != nil {
			q := *w.Quota
			q.Version = have.Items[i].Quota.Version
			w.Quota = &q
		}
		put = append(put, w)
	}
	if len(put) == 0 {
		im.unchanged.Add(1)
		return nil
	}
	b, err := json.Marshal(map[string]any{"offering_items": put})
	if err != nil {
		return err
	}
	if _, err := apiBody(im.c.SetTenantOfferingItemsWithBodyWithResponse(ctx, id, "application/json", bytes.NewReader(b))); err != nil {
		return err
	}
	im.updated.Add(1)
	return nil
}

// sameItem reports whether an item of the target is as the export has it.
func sameItem(want, have treeItem) bool {
	if want.Status != have.Status || !equalPtr(want.Edition, have.Edition) || (want.Locked != nil && (have.Locked == nil || *want.Locked != *have.Locked)) {
		return false
	}
	if want.Quota == nil {
		return true
	}
	if have.Quota == nil {
		return want.Quota.Value == nil && want.Quota.Overage == nil
	}
	eq := func(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return eq(want.Quota.Value, have.Quota.Value) && eq(want.Quota.Overage, have.Quota.Overage)
}

func (im *importer) applySettings(ctx context.Context, r treeRecord) error {
	id, err := im.tenant(r.TenantID)
	if err != nil {
		return err
	}
	var want []treeSetting
	if err := json.Unmarshal(r.Data, &want); err != nil {
		return err
	}
	changed := false
	for _, w := range want {
		body, err := apiBody(im.c.FetchTenantApplicationSettingWithResponse(ctx, w.ApplicationID, id, w.Name))
		if err != nil {
			return err
		}
		var have struct {
			Own json.RawMessage `json:"own"`
		}
		if err := json.Unmarshal(body, &have); err != nil {
			return err
		}
		if sameJSON(w.Own, have.Own) {
			continue
		}
		b, err := json.Marshal(map[string]json.RawMessage{"own": w.Own})
		if err != nil {
			return err
		}
		if _, err := apiBody(im.c.UpdateTenantApplicationSettingWithBodyWithResponse(ctx, w.ApplicationID, id, w.Name,
			"application/json", bytes.NewReader(b))); err != nil {
			return fmt.Errorf("setting %s: %w", w.Name, err)
		}
		changed = true
	}
	im.count(changed)
	return nil
}

// sameJSON reports whether two JSON values are equal, whatever the order
// of their members.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
