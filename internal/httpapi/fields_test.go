package httpapi

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tenantd/tenantd"
)

// decodeTarget is a body with the shapes request bodies have: plain and
// flexible fields, a nested struct, a list of structs, a map and a type that
// decodes itself.
type decodeTarget struct {
	Name    optString         `json:"name"`
	Version flexInt           `json:"version"`
	Enabled flexBool          `json:"enabled"`
	Contact *contactIn        `json:"contact"`
	Items   []decodeItem      `json:"items"`
	Labels  map[string]string `json:"labels"`
	Seen    ignored           `json:"seen"`
}

type decodeItem struct {
	Name  string `json:"name"`
	Quota *struct {
		Value int64 `json:"value"`
	} `json:"quota"`
}

func TestDecodeFieldValidation(t *testing.T) {
	type want struct {
		err      string   // substring of the error; "" for none
		warnings []string // the fields named in Warning headers
	}
	cases := []struct {
		name, body string
		modes      map[FieldValidation]want
		check      func(t *testing.T, v *decodeTarget)
	}{
		{name: "known fields only", body: `{"name":"a","version":"3","enabled":"true"}`,
			modes: map[FieldValidation]want{FieldsWarn: {}, FieldsIgnore: {}, FieldsStrict: {}},
			check: func(t *testing.T, v *decodeTarget) {
				if *v.Name.V != "a" || v.Version.V != 3 || !v.Enabled.V {
					t.Errorf("decoded %+v", v)
				}
			}},
		{name: "an unknown top-level field", body: `{"name":"a","tenant_id":"x"}`,
			modes: map[FieldValidation]want{
				FieldsWarn:   {warnings: []string{"tenant_id"}},
				FieldsIgnore: {},
				FieldsStrict: {err: `unknown field "tenant_id"`},
			},
			check: func(t *testing.T, v *decodeTarget) {
				if v.Name.V == nil || *v.Name.V != "a" {
					t.Errorf("name lost when dropping a field: %+v", v.Name)
				}
			}},
		{name: "unknown fields at every depth", body: `{"timestamp":"t","items":[{"name":"i","colour":"red","quota":{"value":2,"unit":"GB"}}],` +
			`"contact":{"email":"a@example.com","login":"a"},"paging":{"cursors":{}}}`,
			modes: map[FieldValidation]want{
				FieldsWarn:   {warnings: []string{"contact.login", "items[0].colour", "items[0].quota.unit", "paging", "timestamp"}},
				FieldsIgnore: {},
				FieldsStrict: {err: "unknown field"},
			},
			check: func(t *testing.T, v *decodeTarget) {
				if len(v.Items) != 1 || v.Items[0].Name != "i" || v.Items[0].Quota.Value != 2 {
					t.Errorf("items %+v", v.Items)
				}
				if e := v.Contact.u.Fields["email"]; e == nil || *e != "a@example.com" {
					t.Errorf("contact %+v", v.Contact.u)
				}
			}},
		{name: "nulls for optional fields", body: `{"name":null,"version":null,"enabled":null,"contact":{"phone":null},"items":null,"labels":null}`,
			modes: map[FieldValidation]want{FieldsWarn: {}, FieldsIgnore: {}, FieldsStrict: {}},
			check: func(t *testing.T, v *decodeTarget) {
				if v.Version.Set || v.Enabled.Set || v.Items != nil || v.Labels != nil {
					t.Errorf("a null was not read as absent: %+v", v)
				}
			}},
		{name: "a known field of the wrong type, beside an unknown one", body: `{"version":"three","colour":"red"}`,
			modes: map[FieldValidation]want{
				FieldsWarn:   {err: `"version" must be of type`},
				FieldsIgnore: {err: `"version" must be of type`},
				FieldsStrict: {err: "version"},
			}},
		{name: "a nested field of the wrong type", body: `{"items":[{"name":5,"colour":"red"}]}`,
			modes: map[FieldValidation]want{
				FieldsWarn:   {err: "must be of type string"},
				FieldsIgnore: {err: "must be of type string"},
				FieldsStrict: {err: "must be of type string"},
			}},
		{name: "a map's members are its own", body: `{"labels":{"any":"thing"},"seen":{"whatever":1}}`,
			modes: map[FieldValidation]want{FieldsWarn: {}, FieldsIgnore: {}, FieldsStrict: {}},
			check: func(t *testing.T, v *decodeTarget) {
				if v.Labels["any"] != "thing" {
					t.Errorf("labels %v", v.Labels)
				}
			}},
		{name: "not an object", body: `[1,2]`,
			modes: map[FieldValidation]want{
				FieldsWarn:   {err: "must be a JSON object"},
				FieldsIgnore: {err: "must be a JSON object"},
				FieldsStrict: {err: "must be a JSON object"},
			}},
	}
	for _, c := range cases {
		for mode, w := range c.modes {
			t.Run(c.name+"/"+string(mode), func(t *testing.T) {
				r := httptest.NewRequest("PUT", "/api/2/x", strings.NewReader(c.body))
				r = r.WithContext(context.WithValue(r.Context(), fieldValidationKey{}, mode))
				rec := httptest.NewRecorder()
				var v decodeTarget
				err := decode(rec, r, &v)
				switch {
				case w.err == "" && err != nil:
					t.Fatalf("decode: %v", err)
				case w.err != "" && err == nil:
					t.Fatalf("decode succeeded, want an error with %q", w.err)
				case w.err != "":
					if !strings.Contains(err.Error(), w.err) || tenantd.ErrorKind(err) != tenantd.EINVALID {
						t.Fatalf("decode: %v (%s), want an invalid-input error with %q", err, tenantd.ErrorKind(err), w.err)
					}
					return
				}
				got := rec.Header().Values("Warning")
				var wantH []string
				for _, f := range w.warnings {
					wantH = append(wantH, `299 - "unknown field \"`+f+`\""`)
				}
				if !slices.Equal(got, wantH) {
					t.Errorf("Warning headers %q, want %q", got, wantH)
				}
				if c.check != nil {
					c.check(t, &v)
				}
			})
		}
	}
}

func TestFieldValidationParameter(t *testing.T) {
	for _, c := range []struct {
		query   string
		want    FieldValidation
		wantErr bool
	}{
		{"", FieldsStrict, false}, // the server's default, below
		{"field_validation=warn", FieldsWarn, false},
		{"field_validation=ignore", FieldsIgnore, false},
		{"field_validation=strict", FieldsStrict, false},
		{"field_validation=", FieldsWarn, false},
		{"field_validation=Strict", "", true},
		{"field_validation=lax", "", true},
	} {
		r := httptest.NewRequest("GET", "/x?"+c.query, nil)
		r = r.WithContext(context.WithValue(r.Context(), fieldValidationKey{}, FieldsStrict))
		got, err := fieldValidation(r)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%q: %q, %v; want %q (error %v)", c.query, got, err, c.want, c.wantErr)
		}
		if err != nil && tenantd.ErrorCode(err) != tenantd.CodeParameterMalformed {
			t.Errorf("%q: error code %s", c.query, tenantd.ErrorCode(err))
		}
	}
	if _, err := ParseFieldValidation("loose"); err == nil {
		t.Error("ParseFieldValidation accepts loose")
	}
}
