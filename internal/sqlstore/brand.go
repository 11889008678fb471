package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/tenantd/tenantd"
)

// Branding, as this store keeps it:
//   - A brand belongs to a partner or the root. Enabling creates it with a
//     new id; disabling clears the tenant's brand_enabled and keeps the row,
//     so that enabling again brings the brand back with its id and fields.
//   - Every change of a brand (enable, disable, fields, logo) is a change of
//     its tenant: it needs the tenant's current version, bumps it and the
//     tenant's updated_at (the change feed shows it), and honours the
//     tenant's update lock. The principal must be able to change the
//     tenant's subtree; a partner brands itself, so no strict ancestor is
//     needed.
//   - Changing fields or the logo needs an enabled brand: ENOTFOUND
//     otherwise, as for a tenant that never had one. Enabling an enabled
//     brand or disabling a disabled one changes nothing (not even the
//     version) and is not an error.
//   - A tenant's own brand is readable whether enabled or not; its effective
//     brand is the nearest enabled brand of a partner or the root from the
//     tenant up, which may lie above the principal's home tenant: a
//     customer's administrators see their partner's branding.
//   - Besides the domain's string fields and flags, a brand keeps smtp_port
//     (a decimal string) and the flag smtp_override. Strings are at most
//     tenantd.MaxTextLength bytes; fields named *_url must be absolute http
//     or https URLs; smtp_encryption is "", "SSL" or "TLS". An empty string
//     clears a field.
//   - A logo is a PNG or JPEG image of at most MaxLogoBytes, and must be
//     what its media type says. The logo of a tenant without a brand of its
//     own is that of its effective brand.

var _ tenantd.BrandService = (*DB)(nil)

// MaxLogoBytes bounds a brand's logo.
const MaxLogoBytes = 1 << 20

// Brand fields the store keeps beyond the domain's lists.
const (
	brandSMTPPort     = "smtp_port"
	brandSMTPOverride = "smtp_override"
)

var (
	brandStrings = func() map[string]bool {
		m := map[string]bool{brandSMTPPort: true}
		for _, f := range tenantd.BrandStringFields {
			m[f] = true
		}
		return m
	}()
	brandFlags = func() map[string]bool {
		m := map[string]bool{brandSMTPOverride: true}
		for _, f := range tenantd.BrandFlagFields {
			m[f] = true
		}
		return m
	}()
)

// checkBrandChange checks the fields and flags of a brand update.
func checkBrandChange(fields map[string]string, flags map[string]bool) error {
	for name, v := range fields {
		if !brandStrings[name] {
			return tenantd.Errorf(tenantd.EINVALID, "%q is not a brand field", name)
		}
		if len(v) > tenantd.MaxTextLength {
			return tenantd.Errorf(tenantd.EINVALID, "brand field %s is longer than %d bytes", name, tenantd.MaxTextLength)
		}
		if v == "" {
			continue
		}
		switch {
		case strings.HasSuffix(name, "_url"):
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return tenantd.Errorf(tenantd.EINVALID, "brand field %s must be an http or https URL, not %q", name, v)
			}
		case name == "smtp_encryption":
			if v != "SSL" && v != "TLS" {
				return tenantd.Errorf(tenantd.EINVALID, "brand field smtp_encryption must be \"\", SSL or TLS, not %q", v)
			}
		case name == brandSMTPPort:
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 65535 {
				return tenantd.Errorf(tenantd.EINVALID, "brand field smtp_port must be a port number, not %q", v)
			}
		}
	}
	for name := range flags {
		if !brandFlags[name] {
			return tenantd.Errorf(tenantd.EINVALID, "%q is not a brand flag", name)
		}
	}
	return nil
}

// logoType returns the media type of a logo after checking it: a PNG or a
// JPEG image, not empty, not larger than MaxLogoBytes, whose first bytes
// say what mediaType says.
func logoType(image []byte, mediaType string) (string, error) {
	magic := map[string][]byte{"image/png": []byte("\x89PNG\r\n\x1a\n"), "image/jpeg": {0xff, 0xd8, 0xff}}
	want, ok := magic[mediaType]
	switch {
	case !ok:
		return "", tenantd.Errorf(tenantd.EUNSUPPORTED, "a logo must be image/png or image/jpeg, not %q", mediaType)
	case len(image) > MaxLogoBytes:
		return "", tenantd.Errorf(tenantd.ETOOLARGE, "a logo must be at most %d bytes", MaxLogoBytes)
	case !bytes.HasPrefix(image, want):
		return "", tenantd.Errorf(tenantd.EINVALID, "the logo is not a %s image", strings.TrimPrefix(mediaType, "image/"))
	}
	return mediaType, nil
}

// brandableTenant returns the live tenant with id for a change of its brand
// by the principal, after checking its kind, update lock and version.
func brandableTenant(ctx context.Context, tx *Tx, p *tenantd.Principal, id string, version int64) (*tenantd.Tenant, error) {
	t, err := writableTenant(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if t.Kind != tenantd.KindPartner && t.Kind != tenantd.KindRoot {
		return nil, tenantd.Errorf(tenantd.EINVALID, "branding is for partners and the root, not a %s tenant", t.Kind)
	}
	if err := checkUpdateLock(p, t); err != nil {
		return nil, err
	}
	if version != t.Version {
		return nil, versionConflict("tenant", t.ID, t.Version)
	}
	return t, nil
}

// bumpBrandTenant sets the tenant's brand_enabled and moves it to its next
// version, guarded by the version read: a writer that got there first makes
// it a version conflict.
func bumpBrandTenant(ctx context.Context, tx *Tx, t *tenantd.Tenant, enabled bool) error {
	res, err := tx.exec(ctx, "UPDATE tenants SET brand_enabled = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
		enabled, micros(tx.now), t.ID, t.Version)
	if err != nil {
		return fmt.Errorf("update tenant: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update tenant: %w", err)
	}
	if n == 0 {
		var current int64
		if err := tx.queryRow(ctx, "SELECT version FROM tenants WHERE id = ?", t.ID).Scan(&current); err != nil {
			return fmt.Errorf("read version: %w", classify(err))
		}
		return versionConflict("tenant", t.ID, current)
	}
	t.BrandEnabled, t.Version, t.UpdatedAt = enabled, t.Version+1, tx.now
	return nil
}

// brandColumns are the columns scanBrand reads, from brands b.
const brandColumns = "b.tenant_id, b.id, b.fields, b.flags, b.logo IS NOT NULL, b.updated_at"

func scanBrand(s scanner) (*tenantd.Brand, error) {
	var (
		b             tenantd.Brand
		fields, flags string
		updatedAt     int64
	)
	if err := s.Scan(&b.TenantID, &b.ID, &fields, &flags, &b.HasLogo, &updatedAt); err != nil {
		return nil, classify(err)
	}
	if err := json.Unmarshal([]byte(fields), &b.Fields); err != nil {
		return nil, fmt.Errorf("decode fields of brand %s: %w", b.ID, err)
	}
	if err := json.Unmarshal([]byte(flags), &b.Flags); err != nil {
		return nil, fmt.Errorf("decode flags of brand %s: %w", b.ID, err)
	}
	if b.Fields == nil {
		b.Fields = map[string]string{}
	}
	if b.Flags == nil {
		b.Flags = map[string]bool{}
	}
	b.UpdatedAt = fromMicros(updatedAt)
	return &b, nil
}

// ownBrand returns the brand of the tenant itself, enabled or not.
func ownBrand(ctx context.Context, tx *Tx, tenantID string) (*tenantd.Brand, error) {
	b, err := scanBrand(tx.queryRow(ctx, "SELECT "+brandColumns+" FROM brands b WHERE b.tenant_id = ?", tenantID))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s has no brand", tenantID)
	}
	return b, err
}

// effectiveBrand returns the nearest enabled brand of a partner or the root
// on the path from the root down to a tenant.
func effectiveBrand(ctx context.Context, tx *Tx, path string) (*tenantd.Brand, error) {
	ids := tenantd.PathIDs(path)
	args := []any{true}
	for _, id := range ids {
		args = append(args, id)
	}
	b, err := scanBrand(tx.queryRow(ctx, "SELECT "+brandColumns+` FROM brands b JOIN tenants t ON t.id = b.tenant_id
		WHERE t.brand_enabled = ? AND t.kind IN ('root', 'partner') AND t.id IN (`+placeholders(len(ids))+`)
		ORDER BY t.depth DESC LIMIT 1`, args...))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "no brand is in force for tenant %s", ids[len(ids)-1])
	}
	return b, err
}

// EnableBrand enables branding on a tenant; see tenantd.BrandService.
func (db *DB) EnableBrand(ctx context.Context, tenantID string, version int64) (*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		t, err := brandableTenant(ctx, tx, p, tenantID, version)
		if err != nil {
			return nil, err
		}
		if t.BrandEnabled {
			return t, nil
		}
		before, err := brandStateOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if err := bumpBrandTenant(ctx, tx, t, true); err != nil {
			return nil, err
		}
		if t.BrandUUID != "" {
			return t, auditBrand(ctx, tx, t, tenantd.ActionEnable, before)
		}
		t.BrandUUID = tenantd.NewID()
		if _, err := tx.exec(ctx, "INSERT INTO brands (tenant_id, id, fields, flags, updated_at) VALUES (?, ?, '{}', '{}', ?)",
			t.ID, t.BrandUUID, micros(tx.now)); err != nil {
			return nil, fmt.Errorf("insert brand: %w", err)
		}
		return t, auditBrand(ctx, tx, t, tenantd.ActionEnable, before)
	})
}

// DisableBrand disables branding on a tenant; see tenantd.BrandService.
func (db *DB) DisableBrand(ctx context.Context, tenantID string, version int64) (*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		t, err := brandableTenant(ctx, tx, p, tenantID, version)
		if err != nil {
			return nil, err
		}
		if !t.BrandEnabled {
			return t, nil
		}
		before, err := brandStateOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if err := bumpBrandTenant(ctx, tx, t, false); err != nil {
			return nil, err
		}
		return t, auditBrand(ctx, tx, t, tenantd.ActionDisable, before)
	})
}

// Brand returns a tenant's own or effective brand; see tenantd.BrandService.
func (db *DB) Brand(ctx context.Context, tenantID string, effective bool) (*tenantd.Brand, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Brand, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		if effective {
			return effectiveBrand(ctx, tx, t.Path)
		}
		return ownBrand(ctx, tx, t.ID)
	})
}

// UpdateBrand changes the fields of an enabled brand; see
// tenantd.BrandService.
func (db *DB) UpdateBrand(ctx context.Context, tenantID string, version int64, fields map[string]string, flags map[string]bool) (*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkBrandChange(fields, flags); err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		t, b, err := enabledBrand(ctx, tx, p, tenantID, version)
		if err != nil {
			return nil, err
		}
		before, err := brandStateOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		for name, v := range fields {
			if v == "" {
				delete(b.Fields, name)
			} else {
				b.Fields[name] = v
			}
		}
		for name, v := range flags {
			b.Flags[name] = v
		}
		encFields, err := json.Marshal(b.Fields)
		if err != nil {
			return nil, fmt.Errorf("encode brand fields: %w", err)
		}
		encFlags, err := json.Marshal(b.Flags)
		if err != nil {
			return nil, fmt.Errorf("encode brand flags: %w", err)
		}
		if err := bumpBrandTenant(ctx, tx, t, true); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE brands SET fields = ?, flags = ?, updated_at = ? WHERE tenant_id = ?",
			string(encFields), string(encFlags), micros(tx.now), t.ID); err != nil {
			return nil, fmt.Errorf("update brand: %w", err)
		}
		if err := auditBrand(ctx, tx, t, tenantd.ActionUpdate, before); err != nil {
			return nil, err
		}
		return t, nil
	})
}

// enabledBrand returns a tenant whose brand the principal may change, and
// its brand, which must be enabled.
func enabledBrand(ctx context.Context, tx *Tx, p *tenantd.Principal, tenantID string, version int64) (*tenantd.Tenant, *tenantd.Brand, error) {
	t, err := brandableTenant(ctx, tx, p, tenantID, version)
	if err != nil {
		return nil, nil, err
	}
	if !t.BrandEnabled {
		return nil, nil, tenantd.Errorf(tenantd.ENOTFOUND, "branding is not enabled on tenant %s", t.ID)
	}
	b, err := ownBrand(ctx, tx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	return t, b, nil
}

// Logo returns a brand's logo; see tenantd.BrandService.
func (db *DB) Logo(ctx context.Context, tenantID string) ([]byte, string, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, "", err
	}
	type logo struct {
		image     []byte
		mediaType string
	}
	l, err := read(ctx, db, func(tx *Tx) (logo, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return logo{}, err
		}
		owner := t.ID
		if t.BrandUUID == "" {
			b, err := effectiveBrand(ctx, tx, t.Path)
			if err != nil {
				return logo{}, err
			}
			owner = b.TenantID
		}
		var (
			image     []byte
			mediaType sql.NullString
		)
		if err := tx.queryRow(ctx, "SELECT logo, logo_type FROM brands WHERE tenant_id = ?", owner).Scan(&image, &mediaType); err != nil {
			return logo{}, fmt.Errorf("read logo: %w", classify(err))
		}
		if image == nil || !mediaType.Valid {
			return logo{}, tenantd.Errorf(tenantd.ENOTFOUND, "the brand of tenant %s has no logo", tenantID)
		}
		return logo{image, mediaType.String}, nil
	})
	if err != nil {
		return nil, "", err
	}
	return l.image, l.mediaType, nil
}

// SetLogo stores a brand's logo; see tenantd.BrandService.
func (db *DB) SetLogo(ctx context.Context, tenantID string, version int64, image []byte, mediaType string) (*tenantd.Tenant, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	mediaType, err = logoType(image, mediaType)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Tenant, error) {
		t, _, err := enabledBrand(ctx, tx, p, tenantID, version)
		if err != nil {
			return nil, err
		}
		before, err := brandStateOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if err := bumpBrandTenant(ctx, tx, t, true); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE brands SET logo = ?, logo_type = ?, updated_at = ? WHERE tenant_id = ?",
			image, mediaType, micros(tx.now), t.ID); err != nil {
			return nil, fmt.Errorf("store logo: %w", err)
		}
		if err := auditBrand(ctx, tx, t, tenantd.ActionSetLogo, before); err != nil {
			return nil, err
		}
		return t, nil
	})
}
