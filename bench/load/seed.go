package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

// seed is what a seeded store holds that the load needs; it is kept next to
// the store so that later runs reuse the store.
type seed struct {
	Tenants      int      `json:"tenants"`
	RootID       string   `json:"root_id"`
	PartnerID    string   `json:"partner_id"`    // the partner the load's client acts for
	ClientID     string   `json:"client_id"`     // an API client of PartnerID
	ClientSecret string   `json:"client_secret"` // its secret
	Readable     []string `json:"readable"`      // customers and units under PartnerID
	Writable     []string `json:"writable"`      // units under PartnerID that guarded writes change
	Parents      []string `json:"parents"`       // customers under PartnerID whose children are listed
	Users        []string `json:"users"`         // users of customers under PartnerID
}

// Shape of the seeded tree: partners of customers of units.
const (
	tenantsPerPartner = 2000 // the partner, its customers and their units
	unitsPerCustomer  = 3
	usersPerPartner   = 100
	seedBatch         = 2000 // tenants created per transaction
)

// loadSeed returns the seed recorded at path if it describes a store of n
// tenants; nil if there is none or it describes another size.
func loadSeed(path string, n int) (*seed, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s seed
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	if s.Tenants != n {
		return nil, nil
	}
	return &s, nil
}

// seedStore fills an empty store with n tenants below the root, through the
// store layer in transactions of seedBatch tenants: partners of
// tenantsPerPartner tenants each, whose customers hold unitsPerCustomer
// units, and an API client and users in the first partner.
func seedStore(ctx context.Context, db *sqlstore.DB, n int, logf func(string, ...any)) (*seed, error) {
	root, err := db.EnsureRoot(ctx)
	if err != nil {
		return nil, err
	}
	sys := tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system",
		TenantID: root.ID, TenantPath: root.Path})
	s := &seed{Tenants: n, RootID: root.ID}
	start := time.Now()
	made := 0
	for p := 0; made < n; p++ {
		partner, err := db.CreateTenants(sys, []*tenantd.TenantCreate{{Name: fmt.Sprintf("partner-%d", p), ParentID: root.ID, Kind: tenantd.KindPartner}})
		if err != nil {
			return nil, fmt.Errorf("create partner: %w", err)
		}
		made++
		pid := partner[0].ID
		if s.PartnerID == "" {
			s.PartnerID = pid
		}
		quota := min(tenantsPerPartner-1, n-made)
		var customers []*tenantd.TenantCreate
		for c := 0; c*(1+unitsPerCustomer) < quota; c++ {
			cid := fmt.Sprintf("cust-%d-%d", p, c)
			customers = append(customers, &tenantd.TenantCreate{Name: cid, ParentID: pid, Kind: tenantd.KindCustomer, CustomerID: &cid})
		}
		created, err := createInBatches(sys, db, customers)
		if err != nil {
			return nil, err
		}
		made += len(created)
		var units []*tenantd.TenantCreate
		left := quota - len(created)
		for i := 0; i < left; i++ {
			parent := created[i/unitsPerCustomer%len(created)]
			units = append(units, &tenantd.TenantCreate{Name: fmt.Sprintf("unit-%d", i), ParentID: parent.ID, Kind: tenantd.KindUnit})
		}
		madeUnits, err := createInBatches(sys, db, units)
		if err != nil {
			return nil, err
		}
		made += len(madeUnits)
		if p == 0 {
			for i, c := range created {
				s.Readable = append(s.Readable, c.ID)
				if i < 64 {
					s.Parents = append(s.Parents, c.ID)
				}
			}
			for i, u := range madeUnits {
				s.Readable = append(s.Readable, u.ID)
				if i < 256 {
					s.Writable = append(s.Writable, u.ID)
				}
			}
			for i := 0; i < usersPerPartner && i < len(created); i++ {
				email := fmt.Sprintf("user%d@load.example", i)
				u, err := db.CreateUser(sys, &tenantd.UserCreate{TenantID: created[i].ID, Login: fmt.Sprintf("load-user-%d", i),
					Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}})
				if err != nil {
					return nil, fmt.Errorf("create user: %w", err)
				}
				s.Users = append(s.Users, u.ID)
			}
			data, _ := json.Marshal(map[string]string{"client_name": "load"})
			c, err := db.CreateClient(sys, &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: pid, Data: data,
				TokenEndpointAuthMethod: "client_secret_basic"})
			if err != nil {
				return nil, fmt.Errorf("create client: %w", err)
			}
			s.ClientID, s.ClientSecret = c.ID, c.Secret
		}
		logf("seeded %d of %d tenants (%s)", made, n, time.Since(start).Round(time.Second))
	}
	if len(s.Writable) == 0 || len(s.Parents) == 0 {
		return nil, fmt.Errorf("a store of %d tenants is too small for the load: ask for at least 100", n)
	}
	return s, nil
}

func createInBatches(ctx context.Context, db *sqlstore.DB, cs []*tenantd.TenantCreate) ([]*tenantd.Tenant, error) {
	var all []*tenantd.Tenant
	for len(cs) > 0 {
		k := min(len(cs), seedBatch)
		ts, err := db.CreateTenants(ctx, cs[:k])
		if err != nil {
			return nil, fmt.Errorf("create tenants: %w", err)
		}
		all, cs = append(all, ts...), cs[k:]
	}
	return all, nil
}
