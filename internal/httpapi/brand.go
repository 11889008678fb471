package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/tenantd/tenantd"
)

// Branding and upsell.
//
// On the wire a brand is its id, its string fields (null when unset, but
// for the few the API declares non-nullable, which are ""), its flags, and
// smtp_override (0 or 1) and smtp_port (0 when unset) as integers.
// smtp_password is write-only: never shown, left alone by a PUT that does
// not carry it. A PUT changes the fields it carries; null or "" clears a
// field, and the read-only id and logotype are accepted and ignored so that
// a GET-modify-PUT works.

// maxLogoBytes bounds an uploaded logo.
const maxLogoBytes = 1 << 20

// brandNotNull are the brand's string fields that show "" rather than null
// when unset.
var brandNotNull = map[string]bool{
	"backup_console_url": true, "color_scheme": true, "smtp_reply_address": true, "smtp_server": true,
	"smtp_user": true, "smtp_encryption": true,
}

// Brand fields the API carries beyond the domain's lists, kept by the store
// as a field and a flag of the same name.
const (
	brandSMTPPort     = "smtp_port"
	brandSMTPOverride = "smtp_override"
	brandSMTPPassword = "smtp_password"
)

func brandOut(b *tenantd.Brand) map[string]any {
	out := map[string]any{"id": b.ID}
	for _, f := range tenantd.BrandStringFields {
		v, ok := b.Fields[f]
		switch {
		case f == brandSMTPPassword:
		case ok:
			out[f] = v
		case brandNotNull[f]:
			out[f] = ""
		default:
			out[f] = nil
		}
	}
	for _, f := range tenantd.BrandFlagFields {
		out[f] = b.Flags[f]
	}
	out[brandSMTPOverride] = 0
	if b.Flags[brandSMTPOverride] {
		out[brandSMTPOverride] = 1
	}
	port, _ := strconv.Atoi(b.Fields[brandSMTPPort]) // the store keeps it numeric; unset is 0
	out[brandSMTPPort] = port
	return out
}

// brandIn is the body of PUT /tenants/{id}/brand.
type brandIn struct {
	fields map[string]string
	flags  map[string]bool
}

var (
	brandStringSet = setOf(tenantd.BrandStringFields)
	brandFlagSet   = setOf(tenantd.BrandFlagFields)
)

func setOf(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func (*brandIn) knownField(k string) bool {
	return k == "id" || k == "logotype" || brandStringSet[k] || brandFlagSet[k] || k == brandSMTPOverride || k == brandSMTPPort
}

func (b *brandIn) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return &json.UnmarshalTypeError{Value: firstByte(data), Type: reflectMap}
	}
	b.fields, b.flags = map[string]string{}, map[string]bool{}
	for k, v := range raw {
		switch {
		case k == "id" || k == "logotype":
		case brandStringSet[k]:
			var o optString
			if err := o.UnmarshalJSON(v); err != nil {
				return &json.UnmarshalTypeError{Value: firstByte(v), Type: stringType, Field: k}
			}
			b.fields[k] = ""
			if o.V != nil {
				b.fields[k] = *o.V
			}
		case brandFlagSet[k]:
			var f flexBool
			if err := f.UnmarshalJSON(v); err != nil {
				return &json.UnmarshalTypeError{Value: firstByte(v), Type: boolType, Field: k}
			}
			b.flags[k] = f.V
		case k == brandSMTPOverride:
			var f flexBool
			var n flexInt
			switch {
			case f.UnmarshalJSON(v) == nil:
				b.flags[k] = f.V
			case n.UnmarshalJSON(v) == nil && (n.V == 0 || n.V == 1):
				b.flags[k] = n.V == 1
			default:
				return fieldError(k, "must be 0 or 1, not %s", v)
			}
		case k == brandSMTPPort:
			b.fields[k] = ""
			if string(v) == "null" {
				continue
			}
			var n flexInt
			if err := n.UnmarshalJSON(v); err != nil {
				return &json.UnmarshalTypeError{Value: firstByte(v), Type: int64Type, Field: k}
			}
			if n.V != 0 {
				b.fields[k] = strconv.FormatInt(n.V, 10)
			}
		default:
			return tenantd.Errorf(tenantd.EINVALID, "unknown field %q", k)
		}
	}
	return nil
}

func (s *Server) handleBrandEnable(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	t, err := s.Brands.EnableBrand(r.Context(), id, version)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, tenantOut(t, false))
	return nil
}

func (s *Server) handleBrandGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	effective, err := boolParam(r, "effective")
	if err != nil {
		return err
	}
	b, err := s.Brands.Brand(r.Context(), id, effective)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, brandOut(b))
	return nil
}

func (s *Server) handleBrandPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	var body brandIn
	if err := decode(w, r, &body); err != nil {
		return err
	}
	t, err := s.Brands.UpdateBrand(r.Context(), id, version, body.fields, body.flags)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, tenantOut(t, false))
	return nil
}

func (s *Server) handleBrandDisable(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	if _, err := s.Brands.DisableBrand(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleLogoGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	image, mediaType, err := s.Brands.Logo(r.Context(), id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Length", strconv.Itoa(len(image)))
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(image) // the client may have gone; nothing to do about it
	return nil
}

// handleLogoPost stores the request body, a PNG or JPEG image, as the logo.
func (s *Server) handleLogoPost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil || (mediaType != "image/png" && mediaType != "image/jpeg") {
		return tenantd.Errorf(tenantd.EUNSUPPORTED, "a logo must be sent as image/png or image/jpeg, not %q", ct)
	}
	if r.ContentLength > maxLogoBytes {
		return tenantd.Errorf(tenantd.ETOOLARGE, "a logo must be at most %d bytes", maxLogoBytes)
	}
	image, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLogoBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tenantd.Errorf(tenantd.ETOOLARGE, "a logo must be at most %d bytes", maxLogoBytes)
	}
	if err != nil {
		return tenantd.Errorf(tenantd.EINVALID, "the request body could not be read")
	}
	t, err := s.Brands.SetLogo(r.Context(), id, version, image, mediaType)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, tenantOut(t, false))
	return nil
}

// upsellPromptJSON is an upsell prompt on the wire.
type upsellPromptJSON struct {
	Show bool    `json:"show"`
	Kind *string `json:"kind"`
	URL  *string `json:"url"`
}

func promptOut(p tenantd.UpsellPrompt, url string) upsellPromptJSON {
	out := upsellPromptJSON{Show: p.Show}
	if p.Kind != "" {
		out.Kind = &p.Kind
	}
	if p.Kind == tenantd.UpsellBuyNow {
		out.URL = &url
	}
	return out
}

// handleUpsell answers what upsell prompts a user sees: the edition prompt,
// whose link is the Buy URL as it is, and the quota prompt, whose link
// tells the Buy page that the user comes from the usage page of the portal.
func (s *Server) handleUpsell(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	in, err := s.Upsell.UpsellInput(r.Context(), id)
	if err != nil {
		return err
	}
	edition, quota := tenantd.EditionUpsell(in), tenantd.QuotaUpsell(in)
	encode(w, http.StatusOK, map[string]upsellPromptJSON{
		"edition": promptOut(edition, edition.URL),
		"quota":   promptOut(quota, tenantd.QuotaBuyURL(quota.URL, tenantd.OriginUsageInfo, nil)),
	})
	return nil
}
