package httpapi

import (
	"net/http"

	"github.com/tenantd/tenantd"
)

type pricingJSON struct {
	Mode                string    `json:"mode"`
	Currency            *string   `json:"currency"`
	Version             int64     `json:"version"`
	ProductionStartDate *wireTime `json:"production_start_date"`
}

func pricingOut(p *tenantd.Pricing) pricingJSON {
	return pricingJSON{Mode: p.Mode, Currency: p.Currency, Version: p.Version, ProductionStartDate: wtp(p.ProductionStartDate)}
}

func (s *Server) handlePricing(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	p, err := s.Pricing.Pricing(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, pricingOut(p))
	return nil
}

// pricingPut is the body of PUT /tenants/{id}/pricing; the pricing object a
// GET returns may be sent back with changes.
type pricingPut struct {
	Version             flexInt   `json:"version"`
	Mode                optString `json:"mode"`
	Currency            optString `json:"currency"`
	ProductionStartDate ignored   `json:"production_start_date"`
}

func (s *Server) handlePricingPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	var body pricingPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if !body.Version.Set {
		return fieldError("version", "is required")
	}
	mode, err := nonNullString(body.Mode, "mode")
	if err != nil {
		return err
	}
	p, err := s.Pricing.UpdatePricing(r.Context(), id, &tenantd.PricingUpdate{
		Version: body.Version.V, Mode: mode, CurrencySet: body.Currency.Set, Currency: body.Currency.V,
	})
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, pricingOut(p))
	return nil
}
