package devmode

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/tenantd/tenantd"
)

// Services are the services Seed creates the fixture through.
type Services interface {
	tenantd.TenantService
	tenantd.ClientService
	tenantd.UserService
	tenantd.PricingService
	tenantd.BrandService
}

// Fixture is what Seed created, as tenantd dev prints it: the credentials
// to act with and the ids of the tree
//
//	root
//	└── partner "Dev Partner" (trial; branding on, with a Buy URL; an API client; user partner-admin)
//	    ├── customer "Dev Trial Customer" (trial, ends a calendar month after the start; user trial-buyer, an administrator and a buyer)
//	    └── customer "Dev Production Customer" (production; user prod-admin)
type Fixture struct {
	// BaseURL is where the API is served: http://HOST:PORT/api/2.
	BaseURL string `json:"base_url"`
	// Root is the root tenant and a root API client, the only principal
	// the /dev routes accept.
	Root Credentials `json:"root"`
	// Partner is the partner tenant and an API client of its own.
	Partner Credentials `json:"partner"`
	// TrialCustomerID is a customer in trial.
	TrialCustomerID string `json:"trial_customer_id"`
	// ProductionCustomerID is a customer in production.
	ProductionCustomerID string `json:"production_customer_id"`
	// BuyURL is the partner's brand's Buy URL (upsell_url).
	BuyURL string `json:"buy_url"`
	// Users are the fixture's users, each with a password set.
	Users []User `json:"users"`
}

// Credentials are a tenant and an API client of it.
type Credentials struct {
	TenantID     string `json:"tenant_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// User is a fixture user and how to sign in as it.
type User struct {
	ID            string   `json:"id"`
	TenantID      string   `json:"tenant_id"`
	Login         string   `json:"login"`
	Password      string   `json:"password"`
	Role          string   `json:"role"`
	BusinessTypes []string `json:"business_types"`
}

// FixtureBuyURL is the Buy URL of the fixture partner's brand.
const FixtureBuyURL = "https://buy.example.com/tenantd-dev"

// Seed creates the fixture under root through s, acting as the system.
func Seed(ctx context.Context, s Services, root *tenantd.Tenant) (*Fixture, error) {
	ctx = tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{
		Type: tenantd.PrincipalSystem, ID: "system", TenantID: root.ID, TenantPath: root.Path,
	})
	f := &Fixture{BuyURL: FixtureBuyURL}
	var err error
	if f.Root, err = apiClient(ctx, s, root.ID, "tenantd dev root"); err != nil {
		return nil, err
	}
	partner, err := s.CreateTenant(ctx, &tenantd.TenantCreate{Name: "Dev Partner", ParentID: root.ID, Kind: tenantd.KindPartner})
	if err != nil {
		return nil, fmt.Errorf("create the partner: %w", err)
	}
	if f.Partner, err = apiClient(ctx, s, partner.ID, "tenantd dev partner"); err != nil {
		return nil, err
	}
	if partner, err = s.EnableBrand(ctx, partner.ID, partner.Version); err != nil {
		return nil, fmt.Errorf("enable the partner's brand: %w", err)
	}
	if _, err = s.UpdateBrand(ctx, partner.ID, partner.Version, map[string]string{
		"company_name": "Dev Partner", "service_name": "Dev Cloud", "upsell_url": FixtureBuyURL,
	}, nil); err != nil {
		return nil, fmt.Errorf("brand the partner: %w", err)
	}
	trial, err := s.CreateTenant(ctx, &tenantd.TenantCreate{Name: "Dev Trial Customer", ParentID: partner.ID, Kind: tenantd.KindCustomer})
	if err != nil {
		return nil, fmt.Errorf("create the trial customer: %w", err)
	}
	f.TrialCustomerID = trial.ID
	prod, err := s.CreateTenant(ctx, &tenantd.TenantCreate{Name: "Dev Production Customer", ParentID: partner.ID, Kind: tenantd.KindCustomer})
	if err != nil {
		return nil, fmt.Errorf("create the production customer: %w", err)
	}
	f.ProductionCustomerID = prod.ID
	pricing, err := s.Pricing(ctx, prod.ID)
	if err != nil {
		return nil, fmt.Errorf("read the production customer's pricing: %w", err)
	}
	mode := tenantd.PricingProduction
	if _, err := s.UpdatePricing(ctx, prod.ID, &tenantd.PricingUpdate{Version: pricing.Version, Mode: &mode}); err != nil {
		return nil, fmt.Errorf("switch the production customer to production: %w", err)
	}

	f.Users = []User{
		{TenantID: partner.ID, Login: "partner-admin", Role: tenantd.RolePartnerAdmin},
		{TenantID: trial.ID, Login: "trial-buyer", Role: tenantd.RoleCompanyAdmin, BusinessTypes: []string{tenantd.BusinessBuyer}},
		{TenantID: prod.ID, Login: "prod-admin", Role: tenantd.RoleCompanyAdmin},
	}
	for i := range f.Users {
		u := &f.Users[i]
		if u.BusinessTypes == nil {
			u.BusinessTypes = []string{}
		}
		email := u.Login + "@example.com"
		created, err := s.CreateUser(ctx, &tenantd.UserCreate{
			TenantID: u.TenantID, Login: u.Login, BusinessTypes: u.BusinessTypes,
			Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}},
		})
		if err != nil {
			return nil, fmt.Errorf("create user %s: %w", u.Login, err)
		}
		u.ID = created.ID
		if _, err := s.SetAccessPolicies(ctx, u.ID, []tenantd.AccessPolicy{{RoleID: u.Role, TenantID: u.TenantID}}); err != nil {
			return nil, fmt.Errorf("give user %s its role: %w", u.Login, err)
		}
		u.Password = "dev-" + rand.Text()
	}
	// Password hashes (argon2id) are most of the seed's work: make them
	// side by side. That is also why the fixture has only three users.
	errs := make([]error, len(f.Users))
	var wg sync.WaitGroup
	for i := range f.Users {
		wg.Go(func() {
			if err := s.SetPassword(ctx, f.Users[i].ID, f.Users[i].Password); err != nil {
				errs[i] = fmt.Errorf("set the password of %s: %w", f.Users[i].Login, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func apiClient(ctx context.Context, s Services, tenantID, name string) (Credentials, error) {
	data, err := json.Marshal(map[string]string{"client_name": name})
	if err != nil {
		return Credentials{}, err
	}
	c, err := s.CreateClient(ctx, &tenantd.ClientCreate{
		Type: tenantd.ClientTypeAPI, TenantID: tenantID, Data: data, TokenEndpointAuthMethod: "client_secret_basic",
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("create the API client %q: %w", name, err)
	}
	return Credentials{TenantID: tenantID, ClientID: c.ID, ClientSecret: c.Secret}, nil
}
