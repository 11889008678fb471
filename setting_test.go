package tenantd_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/tenantd/tenantd"
)

// sv returns the value val (JSON) set on tenant id.
func sv(id, val string, lock, exclusive bool) *tenantd.SettingValue {
	return &tenantd.SettingValue{TenantID: id, Value: json.RawMessage(val), Lock: lock, Exclusive: exclusive}
}

func TestResolveSetting(t *testing.T) {
	def := tenantd.SettingDef{ApplicationID: tenantd.PlatformAppID, Name: "Color", Type: tenantd.SettingString, Default: json.RawMessage(`"default"`)}
	const (
		plain = false
		lock  = true
		excl  = true
	)
	// The chains run root (r), partner (p), folder (f), customer (c); the
	// last element is the tenant that sees the setting.
	tests := []struct {
		name     string
		chain    []*tenantd.SettingValue
		value    string // the value in force
		own      string // "" for none
		effOwner string // "" for no effective value
		effValue string
		effLock  bool
		lockedBy string
	}{
		{name: "empty chain", chain: nil, value: `"default"`},
		{name: "root, nothing set", chain: []*tenantd.SettingValue{nil}, value: `"default"`},
		{name: "root, own", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false)}, value: `"a"`, own: `"a"`},
		{name: "root, own locked binds only below", chain: []*tenantd.SettingValue{sv("r", `"a"`, lock, false)}, value: `"a"`, own: `"a"`},

		{name: "depth 2, inherited", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), nil},
			value: `"a"`, effOwner: "r", effValue: `"a"`},
		{name: "depth 2, own overrides inherited", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), sv("p", `"b"`, plain, false)},
			value: `"b"`, own: `"b"`, effOwner: "r", effValue: `"a"`},
		{name: "depth 2, locked parent wins over own", chain: []*tenantd.SettingValue{sv("r", `"a"`, lock, false), sv("p", `"b"`, plain, false)},
			value: `"a"`, own: `"b"`, effOwner: "r", effValue: `"a"`, effLock: true, lockedBy: "r"},
		{name: "depth 2, exclusive parent passes nothing", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, excl), nil},
			value: `"default"`},
		{name: "depth 2, locked exclusive binds nobody", chain: []*tenantd.SettingValue{sv("r", `"a"`, lock, excl), sv("p", `"b"`, plain, false)},
			value: `"b"`, own: `"b"`},
		{name: "depth 2, own exclusive applies to itself", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), sv("p", `"b"`, plain, excl)},
			value: `"b"`, own: `"b"`, effOwner: "r", effValue: `"a"`},

		{name: "depth 3, exclusive in between is skipped", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), sv("p", `"b"`, plain, excl), nil},
			value: `"a"`, effOwner: "r", effValue: `"a"`},
		{name: "depth 3, nearest ancestor passes down", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), sv("p", `"b"`, plain, false), nil},
			value: `"b"`, effOwner: "p", effValue: `"b"`},
		{name: "depth 3, root lock binds over partner's own value", chain: []*tenantd.SettingValue{sv("r", `"a"`, lock, false), sv("p", `"b"`, plain, false), nil},
			value: `"a"`, effOwner: "r", effValue: `"a"`, effLock: true, lockedBy: "r"},
		{name: "depth 3, highest of two locks wins", chain: []*tenantd.SettingValue{sv("r", `"a"`, lock, false), sv("p", `"b"`, lock, false), sv("c", `"c"`, plain, false)},
			value: `"a"`, own: `"c"`, effOwner: "r", effValue: `"a"`, effLock: true, lockedBy: "r"},
		{name: "depth 3, lock of the parent", chain: []*tenantd.SettingValue{nil, sv("p", `"b"`, lock, false), nil},
			value: `"b"`, effOwner: "p", effValue: `"b"`, effLock: true, lockedBy: "p"},
		{name: "depth 2, own value of the locking tenant is free", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), sv("p", `"b"`, lock, false)},
			value: `"b"`, own: `"b"`, effOwner: "r", effValue: `"a"`},

		{name: "depth 4, nothing set", chain: []*tenantd.SettingValue{nil, nil, nil, nil}, value: `"default"`},
		{name: "depth 4, inherited from the root across deleted values", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), nil, nil, nil},
			value: `"a"`, effOwner: "r", effValue: `"a"`},
		{name: "depth 4, locked exclusive folder is skipped", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), sv("p", `"b"`, plain, false), sv("f", `"f"`, lock, excl), nil},
			value: `"b"`, effOwner: "p", effValue: `"b"`},
		{name: "depth 4, own over nearest", chain: []*tenantd.SettingValue{sv("r", `"a"`, lock, excl), nil, sv("f", `"f"`, plain, false), sv("c", `"c"`, plain, false)},
			value: `"c"`, own: `"c"`, effOwner: "f", effValue: `"f"`},
		{name: "depth 4, partner lock over folder lock", chain: []*tenantd.SettingValue{sv("r", `"a"`, plain, false), sv("p", `"b"`, lock, false), sv("f", `"f"`, lock, false), nil},
			value: `"b"`, effOwner: "p", effValue: `"b"`, effLock: true, lockedBy: "p"},
		{name: "depth 4, exclusive parent, default below", chain: []*tenantd.SettingValue{nil, nil, sv("f", `"f"`, plain, excl), nil},
			value: `"default"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tenantd.ResolveSetting(def, tt.chain)
			if r.ApplicationID != def.ApplicationID || r.Name != def.Name {
				t.Errorf("setting = %s/%s, want %s/%s", r.ApplicationID, r.Name, def.ApplicationID, def.Name)
			}
			if got := string(r.Value); got != tt.value {
				t.Errorf("value = %s, want %s", got, tt.value)
			}
			switch {
			case tt.own == "" && r.Own != nil:
				t.Errorf("own = %s, want none", r.Own.Value)
			case tt.own != "" && r.Own == nil:
				t.Errorf("own = none, want %s", tt.own)
			case tt.own != "" && string(r.Own.Value) != tt.own:
				t.Errorf("own = %s, want %s", r.Own.Value, tt.own)
			}
			switch {
			case tt.effOwner == "" && r.Effective != nil:
				t.Errorf("effective = %+v, want none", *r.Effective)
			case tt.effOwner != "" && r.Effective == nil:
				t.Errorf("effective = none, want %s from %s", tt.effValue, tt.effOwner)
			case tt.effOwner != "":
				if e := r.Effective; e.OwnerID != tt.effOwner || string(e.Value) != tt.effValue || e.Lock != tt.effLock {
					t.Errorf("effective = %s from %s (lock %v), want %s from %s (lock %v)",
						e.Value, e.OwnerID, e.Lock, tt.effValue, tt.effOwner, tt.effLock)
				}
			}
			if r.LockedBy != tt.lockedBy {
				t.Errorf("locked by %q, want %q", r.LockedBy, tt.lockedBy)
			}

			err := tenantd.CheckSettingWrite(tt.chain)
			if tt.lockedBy == "" && err != nil {
				t.Errorf("CheckSettingWrite = %v, want nil", err)
			}
			if tt.lockedBy != "" {
				var e *tenantd.Error
				if got := tenantd.ErrorKind(err); got != tenantd.EFORBIDDEN {
					t.Errorf("CheckSettingWrite kind = %q, want %q", got, tenantd.EFORBIDDEN)
				} else if errors.As(err, &e) && e.Context["locked_by"] != tt.lockedBy {
					t.Errorf("CheckSettingWrite locked_by = %v, want %s", e.Context["locked_by"], tt.lockedBy)
				}
			}
		})
	}
}

func TestSettingCheckValue(t *testing.T) {
	boolean := tenantd.SettingDef{Name: "B", Type: tenantd.SettingBoolean}
	str := tenantd.SettingDef{Name: "S", Type: tenantd.SettingString}
	integer := tenantd.SettingDef{Name: "I", Type: tenantd.SettingInteger}
	object := tenantd.SettingDef{Name: "O", Type: tenantd.SettingObject}
	tests := []struct {
		def  tenantd.SettingDef
		in   string
		want string // the normalized value; "" when refused
	}{
		{boolean, `true`, `true`},
		{boolean, ` false `, `false`},
		{boolean, `"true"`, `true`},
		{boolean, `"false"`, `false`},
		{boolean, `"yes"`, ``},
		{boolean, `1`, ``},
		{boolean, `null`, ``},
		{boolean, ``, ``},
		{boolean, `true false`, ``},
		{boolean, `{`, ``},
		{str, `"blue"`, `"blue"`},
		{str, `""`, `""`},
		{str, `"<&>"`, `"<&>"`},
		{str, `12`, ``},
		{str, `["a"]`, ``},
		{integer, `80`, `80`},
		{integer, `-3`, `-3`},
		{integer, `"80"`, `80`},
		{integer, `9223372036854775807`, `9223372036854775807`},
		{integer, `9223372036854775808`, ``},
		{integer, `1.5`, ``},
		{integer, `1e3`, ``},
		{integer, `"eighty"`, ``},
		{integer, `true`, ``},
		{object, `{ "a": 1, "b": [true] }`, `{"a":1,"b":[true]}`},
		{object, `{}`, `{}`},
		{object, `[]`, ``},
		{object, `"{}"`, ``},
		{object, `null`, ``},
		{tenantd.SettingDef{Name: "X", Type: "float"}, `1`, ``},
	}
	for _, tt := range tests {
		got, err := tt.def.NormalizeValue(json.RawMessage(tt.in))
		checkErr := tt.def.CheckValue(json.RawMessage(tt.in))
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%s %s: NormalizeValue = %s, want an error", tt.def.Type, tt.in, got)
		case tt.want == "" && tenantd.ErrorKind(err) != tenantd.EINVALID:
			t.Errorf("%s %s: error kind = %q, want %q", tt.def.Type, tt.in, tenantd.ErrorKind(err), tenantd.EINVALID)
		case tt.want != "" && err != nil:
			t.Errorf("%s %s: NormalizeValue error %v, want %s", tt.def.Type, tt.in, err, tt.want)
		case tt.want != "" && string(got) != tt.want:
			t.Errorf("%s %s: NormalizeValue = %s, want %s", tt.def.Type, tt.in, got, tt.want)
		}
		if (checkErr == nil) != (err == nil) {
			t.Errorf("%s %s: CheckValue = %v, NormalizeValue error = %v", tt.def.Type, tt.in, checkErr, err)
		}
	}
}

func TestSettingCheckValueMessage(t *testing.T) {
	d := tenantd.SettingDef{Name: "PromoteHigherEditions", Type: tenantd.SettingBoolean}
	err := d.CheckValue(json.RawMessage(`"maybe"`))
	want := "the value of setting PromoteHigherEditions must be a boolean, not a string"
	if got := tenantd.ErrorMessage(err); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}
