package tenantd

// Settings are named values an application keeps per tenant, inherited down
// the tenant tree. Each application declares its settings (name, type,
// default) in the catalog; a tenant may set its own value of one, and its
// descendants inherit it.
//
// Decisions, where the API leaves a choice:
//   - A setting's value in force is, in this order: the value of the highest
//     strict ancestor that locked it (a lock binds everything below the
//     tenant that set it, including the own values of tenants in between),
//     else the tenant's own value, else the value it inherits, else the
//     default of the setting.
//   - An exclusive value applies to the tenant that set it only: it does not
//     pass to descendants, which inherit from the ancestors above instead. A
//     lock on an exclusive value therefore binds nobody.
//   - effective is what the tenant inherits: the value of the locking
//     ancestor when a lock binds it, else that of the nearest strict ancestor
//     whose value passes down; null when there is none. Its owner is that
//     ancestor.
//   - A lock on a tenant's own value binds its descendants, never the tenant
//     itself.
//   - null is not a value: PUT with a null (or missing) value is refused with
//     EINVALID; DELETE removes the tenant's own value.
//   - Setting a value under a locked ancestor is refused (EFORBIDDEN).
//     Deleting one is always allowed: removing an own value never overrides
//     a lock.
//   - As everywhere on the wire, a boolean setting accepts "true" and
//     "false" and an integer setting accepts a numeric string; the value is
//     stored in its canonical JSON form.

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// SettingType is the JSON type of a setting's values.
type SettingType string

// Setting types.
const (
	SettingBoolean SettingType = "boolean"
	SettingString  SettingType = "string"
	SettingInteger SettingType = "integer" // a whole number that fits in 64 bits
	SettingObject  SettingType = "object"
)

// Valid reports whether t is a known setting type.
func (t SettingType) Valid() bool {
	switch t {
	case SettingBoolean, SettingString, SettingInteger, SettingObject:
		return true
	}
	return false
}

// SettingDef declares a setting of an application.
type SettingDef struct {
	ApplicationID string
	Name          string
	Type          SettingType
	// Default is the value in force where no tenant from the root down sets
	// one. It is a valid value of Type.
	Default json.RawMessage
}

// CheckValue returns nil if v is an acceptable value of the setting, and an
// EINVALID error saying why not otherwise. null and an empty v are not
// values.
func (d SettingDef) CheckValue(v json.RawMessage) error {
	_, err := d.NormalizeValue(v)
	return err
}

// NormalizeValue checks v like CheckValue and returns it in canonical form:
// compact JSON, booleans and integers given as strings turned into JSON
// booleans and numbers.
func (d SettingDef) NormalizeValue(v json.RawMessage) (json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, Errorf(EINVALID, "setting %s needs a value; delete the setting to remove the tenant's own value", d.Name)
	}
	var x any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil || dec.More() {
		return nil, Errorf(EINVALID, "the value of setting %s is not valid JSON", d.Name)
	}
	switch d.Type {
	case SettingBoolean:
		switch x := x.(type) {
		case bool:
			return json.RawMessage(strconv.FormatBool(x)), nil
		case string:
			if x == "true" || x == "false" {
				return json.RawMessage(x), nil
			}
		}
	case SettingInteger:
		var s string
		switch x := x.(type) {
		case json.Number:
			s = x.String()
		case string:
			s = x
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return json.RawMessage(strconv.FormatInt(n, 10)), nil
		}
	case SettingString:
		if _, ok := x.(string); ok {
			return compact(v), nil
		}
	case SettingObject:
		if _, ok := x.(map[string]any); ok {
			return compact(v), nil
		}
	default:
		return nil, Errorf(EINVALID, "setting %s has unknown type %q", d.Name, d.Type)
	}
	article := "a"
	if d.Type == SettingInteger || d.Type == SettingObject {
		article = "an"
	}
	return nil, Errorf(EINVALID, "the value of setting %s must be %s %s, not %s", d.Name, article, d.Type, jsonKind(x))
}

// compact returns v, valid JSON, without insignificant space.
func compact(v json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return v
	}
	return b.Bytes()
}

// jsonKind names the JSON type of a value decoded with UseNumber.
func jsonKind(x any) string {
	switch x := x.(type) {
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		if _, err := strconv.ParseInt(x.String(), 10, 64); err != nil {
			return "a number that is not a 64-bit integer"
		}
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

// SettingValue is a value of a setting set on one tenant.
type SettingValue struct {
	TenantID string
	Value    json.RawMessage
	// Lock forbids the tenant's descendants to override the value.
	Lock bool
	// Exclusive keeps the value to the tenant: its descendants do not
	// inherit it.
	Exclusive bool
}

// EffectiveSetting is the value a tenant inherits from its ancestors.
type EffectiveSetting struct {
	OwnerID string // the ancestor the value comes from
	Value   json.RawMessage
	Lock    bool // the value is locked: the tenant cannot override it
}

// ResolvedSetting is a setting as one tenant sees it.
type ResolvedSetting struct {
	ApplicationID string
	Name          string
	// Own is the value set on the tenant itself, nil if none.
	Own *SettingValue
	// Effective is what the tenant inherits from its strict ancestors, nil
	// if none of them passes a value down.
	Effective *EffectiveSetting
	// Value is the value in force for the tenant.
	Value json.RawMessage
	// LockedBy is the id of the strict ancestor whose lock binds the tenant:
	// the highest one that locked a value passing down. It is "" if no lock
	// binds the tenant.
	LockedBy string
}

// ResolveSetting returns the setting d as a tenant sees it. chain holds the
// values set on every tenant from the root down to the tenant in question,
// which is the last element; an element is nil where a tenant sets nothing.
// An empty chain resolves to the default.
func ResolveSetting(d SettingDef, chain []*SettingValue) ResolvedSetting {
	r := ResolvedSetting{ApplicationID: d.ApplicationID, Name: d.Name, Value: d.Default}
	if len(chain) == 0 {
		return r
	}
	r.Own = chain[len(chain)-1]
	ancestors := chain[:len(chain)-1]

	if l := bindingLock(ancestors); l != nil {
		r.Effective = &EffectiveSetting{OwnerID: l.TenantID, Value: l.Value, Lock: true}
		r.LockedBy = l.TenantID
		r.Value = l.Value
		return r
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		if a := ancestors[i]; a != nil && !a.Exclusive {
			r.Effective = &EffectiveSetting{OwnerID: a.TenantID, Value: a.Value}
			break
		}
	}
	switch {
	case r.Own != nil:
		r.Value = r.Own.Value
	case r.Effective != nil:
		r.Value = r.Effective.Value
	}
	return r
}

// bindingLock returns the highest of ancestors whose lock binds the tenants
// below it, nil if there is none.
func bindingLock(ancestors []*SettingValue) *SettingValue {
	for _, a := range ancestors {
		if a != nil && a.Lock && !a.Exclusive {
			return a
		}
	}
	return nil
}

// CheckSettingWrite returns nil if the tenant at the end of chain (as for
// ResolveSetting) may set its own value of the setting. Returns EFORBIDDEN,
// with the locking tenant's id as "locked_by" in the error's context, if a
// strict ancestor's lock binds the tenant.
func CheckSettingWrite(chain []*SettingValue) error {
	if len(chain) == 0 {
		return nil
	}
	if l := bindingLock(chain[:len(chain)-1]); l != nil {
		return Errorf(EFORBIDDEN, "the setting is locked by tenant %s", l.TenantID).With("locked_by", l.TenantID)
	}
	return nil
}
