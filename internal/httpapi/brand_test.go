package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tenantd/tenantd"
)

// Images to upload: the smallest headers the server recognises.
var (
	brandPNG  = "\x89PNG\r\n\x1a\n" + strings.Repeat("p", 32)
	brandJPEG = "\xff\xd8\xff\xe0" + strings.Repeat("j", 32)
)

// brandFields is what brandPut sets on a brand.
const brandFields = `{"company_name":"Acme","upsell_url":"https://buy.example.com/partnerA","help_url":"https://help.example.com",
	"smtp_port":587,"smtp_override":1,"smtp_password":"s3cret","smtp_encryption":"TLS","white_labeled_agent":true}`

func brandSys(e *env) context.Context {
	return tenantd.NewContextWithPrincipal(context.Background(), &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system",
		TenantID: e.ids["root"], TenantPath: "/" + e.ids["root"] + "/"})
}

// brandVersion returns the current version of the named tenant.
func brandVersion(e *env, name string) string {
	e.t.Helper()
	t, err := e.db.FindTenantByID(brandSys(e), e.ids[name], false)
	if err != nil {
		e.t.Fatalf("read %s: %v", name, err)
	}
	return fmt.Sprint(t.Version)
}

// brandSetup runs steps, then records the version of the partners, the
// root and customerA as {name.v}.
func brandSetup(steps ...func(e *env)) func(e *env) {
	return func(e *env) {
		for _, s := range steps {
			s(e)
		}
		for _, name := range []string{"root", "partnerA", "partnerB", "customerA"} {
			e.ids[name+".v"] = brandVersion(e, name)
		}
	}
}

// brandOn enables branding on the named tenant.
func brandOn(name string) func(e *env) {
	return func(e *env) {
		e.json("POST", "/api/2/tenants/{"+name+"}/brand?version="+brandVersion(e, name), "root", "", 201)
	}
}

// brandOff disables branding on the named tenant.
func brandOff(name string) func(e *env) {
	return func(e *env) {
		e.json("DELETE", "/api/2/tenants/{"+name+"}/brand?version="+brandVersion(e, name), "root", "", 204)
	}
}

// brandPut changes the brand of the named tenant.
func brandPut(name, body string) func(e *env) {
	return func(e *env) {
		e.json("PUT", "/api/2/tenants/{"+name+"}/brand?version="+brandVersion(e, name), "root", body, 200)
	}
}

// brandLogo uploads a PNG logo for the named tenant.
func brandLogo(name string) func(e *env) {
	return func(e *env) {
		e.t.Helper()
		status, b := e.do("POST", "/api/2/tenants/{"+name+"}/brand/logo?version="+brandVersion(e, name), "root", brandPNG,
			map[string]string{"Content-Type": "image/png"})
		if status != 201 {
			e.t.Fatalf("upload logo: %d %s", status, b)
		}
	}
}

// brandOf returns the named tenant's own brand as the store has it.
func brandOf(t *testing.T, e *env, name string) *tenantd.Brand {
	t.Helper()
	b, err := e.db.Brand(brandSys(e), e.ids[name], false)
	if err != nil {
		t.Fatalf("brand of %s: %v", name, err)
	}
	return b
}

// brandUnchanged checks that partnerA's brand still holds brandFields.
func brandUnchanged(t *testing.T, e *env, _ map[string]any) {
	t.Helper()
	if b := brandOf(t, e, "partnerA"); b.Fields["company_name"] != "Acme" || b.Fields["smtp_password"] != "s3cret" || len(b.Fields) != 6 {
		t.Errorf("a refused request changed the brand: %v", b.Fields)
	}
}

var (
	brandA        = brandSetup(brandOn("partnerA"))
	brandAFields  = brandSetup(brandOn("partnerA"), brandPut("partnerA", brandFields))
	brandADisable = brandSetup(brandOn("partnerA"), brandPut("partnerA", brandFields), brandOff("partnerA"))
)

func TestBrandEnable(t *testing.T) {
	run(t, []scenario{
		{name: "root brands a partner", setup: brandSetup(), method: "POST", path: "/api/2/tenants/{partnerA}/brand?version={partnerA.v}", as: "root", status: 201,
			want: []string{`"id":"{partnerA}"`, `"brand_enabled":true`, `"version":2`, `"brand_uuid":"`},
			check: func(t *testing.T, e *env, body map[string]any) {
				got := e.json("GET", "/api/2/tenants/{partnerA}", "root", "", 200)
				if got["brand_uuid"] != body["brand_uuid"] || got["brand_enabled"] != true {
					t.Errorf("tenant after enabling = brand_uuid %v brand_enabled %v, want %v true", got["brand_uuid"], got["brand_enabled"], body["brand_uuid"])
				}
			}},
		{name: "a partner brands itself", setup: brandSetup(), method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=1", as: "partnerA", status: 201},
		{name: "a partner admin brands its partner", setup: brandSetup(), method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=1", as: "padminA", status: 201},
		{name: "the root brands itself", setup: brandSetup(), method: "POST", path: "/api/2/tenants/{root}/brand?version={root.v}", as: "root", status: 201},
		{name: "no brand_uuid before", method: "GET", path: "/api/2/tenants/{partnerA}", as: "root", status: 200, absent: []string{`brand_uuid`}},
		{name: "enabling twice changes nothing", setup: brandA, method: "POST", path: "/api/2/tenants/{partnerA}/brand?version={partnerA.v}", as: "root", status: 201,
			want: []string{`"version":2`}},
		{name: "a customer", method: "POST", path: "/api/2/tenants/{customerA}/brand?version=1", as: "root", status: 400, want: []string{`"code":"ParameterMalformed"`}},
		{name: "a unit", method: "POST", path: "/api/2/tenants/{unitA}/brand?version=1", as: "root", status: 400},
		{name: "no version", method: "POST", path: "/api/2/tenants/{partnerA}/brand", as: "root", status: 400, want: []string{"version"}},
		{name: "a malformed version", method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=one", as: "root", status: 400},
		{name: "a stale version", method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=7", as: "root", status: 409,
			want: []string{`"code":"VersionConflict"`, `"version":1`}},
		{name: "another partner", method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=1", as: "partnerB", status: 403},
		{name: "another partner's admin", method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=1", as: "padminB", status: 403},
		{name: "a partner brands the root", setup: brandSetup(), method: "POST", path: "/api/2/tenants/{root}/brand?version={root.v}", as: "partnerA", status: 403},
		{name: "a company admin brands its partner", method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=1", as: "cadmin", status: 403},
		{name: "an unknown tenant", method: "POST", path: "/api/2/tenants/{unknown}/brand?version=1", as: "root", status: 404},
		{name: "a malformed id", method: "POST", path: "/api/2/tenants/nope/brand?version=1", as: "root", status: 400},
		{name: "a suspended principal", method: "POST", path: "/api/2/tenants/{customerS}/brand?version=1", as: "suspended", status: 401},
		{name: "a suspended user", method: "POST", path: "/api/2/tenants/{customerS}/brand?version=1", as: "suspendedUser", status: 401},
		{name: "no credentials", method: "POST", path: "/api/2/tenants/{partnerA}/brand?version=1", status: 401},
	})
}

func TestBrandDisable(t *testing.T) {
	run(t, []scenario{
		{name: "root disables a brand", setup: brandAFields, method: "DELETE", path: "/api/2/tenants/{partnerA}/brand?version={partnerA.v}", as: "root", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", "/api/2/tenants/{partnerA}", "root", "", 200)
				if got["brand_enabled"] != false || got["version"] != float64(4) || got["brand_uuid"] != brandOf(t, e, "partnerA").ID {
					t.Errorf("tenant after disabling = %v", got)
				}
				brandUnchanged(t, e, nil)
			}},
		{name: "a partner disables its brand", setup: brandA, method: "DELETE", path: "/api/2/tenants/{partnerA}/brand?version={partnerA.v}", as: "partnerA", status: 204},
		{name: "re-enabling brings the brand back", setup: brandADisable, method: "POST", path: "/api/2/tenants/{partnerA}/brand?version={partnerA.v}", as: "root", status: 201,
			check: func(t *testing.T, e *env, body map[string]any) {
				if body["brand_uuid"] != brandOf(t, e, "partnerA").ID {
					t.Errorf("re-enabled brand_uuid %v is not the old brand's", body["brand_uuid"])
				}
				brandUnchanged(t, e, nil)
			}},
		{name: "disabling an unbranded partner changes nothing", method: "DELETE", path: "/api/2/tenants/{partnerA}/brand?version=1", as: "root", status: 204},
		{name: "a customer", method: "DELETE", path: "/api/2/tenants/{customerA}/brand?version=1", as: "root", status: 400},
		{name: "no version", setup: brandA, method: "DELETE", path: "/api/2/tenants/{partnerA}/brand", as: "root", status: 400},
		{name: "a stale version", setup: brandA, method: "DELETE", path: "/api/2/tenants/{partnerA}/brand?version=1", as: "root", status: 409,
			want: []string{`"code":"VersionConflict"`}},
		{name: "another partner", setup: brandA, method: "DELETE", path: "/api/2/tenants/{partnerA}/brand?version={partnerA.v}", as: "partnerB", status: 403},
		{name: "an unknown tenant", method: "DELETE", path: "/api/2/tenants/{unknown}/brand?version=1", as: "root", status: 404},
		{name: "a suspended principal", method: "DELETE", path: "/api/2/tenants/{customerS}/brand?version=1", as: "suspended", status: 401},
	})
}

func TestBrandGet(t *testing.T) {
	run(t, []scenario{
		{name: "root reads a brand", setup: brandAFields, method: "GET", path: "/api/2/tenants/{partnerA}/brand", as: "root", status: 200,
			want: []string{`"company_name":"Acme"`, `"upsell_url":"https://buy.example.com/partnerA"`, `"smtp_port":587`, `"smtp_override":1`,
				`"smtp_encryption":"TLS"`, `"white_labeled_agent":true`, `"owns_custom_legal_docs":false`, `"terms_url":null`, `"color_scheme":""`},
			absent: []string{"smtp_password", "s3cret"},
			check: func(t *testing.T, e *env, body map[string]any) {
				if body["id"] != brandOf(t, e, "partnerA").ID {
					t.Errorf("id = %v", body["id"])
				}
				for _, f := range append(append([]string{}, tenantd.BrandStringFields...), tenantd.BrandFlagFields...) {
					if _, ok := body[f]; !ok && f != "smtp_password" {
						t.Errorf("the brand lacks %s", f)
					}
				}
			}},
		{name: "a fresh brand", setup: brandA, method: "GET", path: "/api/2/tenants/{partnerA}/brand", as: "partnerA", status: 200,
			want: []string{`"company_name":null`, `"smtp_port":0`, `"smtp_override":0`, `"white_labeled_agent":false`}},
		{name: "a customer's client sees its partner's brand", setup: brandAFields, method: "GET", path: "/api/2/tenants/{customerA}/brand?effective=1", as: "customerA", status: 200,
			want: []string{`"company_name":"Acme"`}},
		{name: "a company admin sees its partner's brand", setup: brandAFields, method: "GET", path: "/api/2/tenants/{customerA}/brand?effective=true", as: "cadmin", status: 200,
			want: []string{`"company_name":"Acme"`}},
		{name: "a unit sees the brand", setup: brandAFields, method: "GET", path: "/api/2/tenants/{unitA}/brand?effective=1", as: "uadmin", status: 200,
			want: []string{`"upsell_url":"https://buy.example.com/partnerA"`}},
		{name: "the root's brand when the partner has none", setup: brandSetup(brandOn("root"), brandPut("root", `{"company_name":"Root Inc"}`)),
			method: "GET", path: "/api/2/tenants/{customerA}/brand?effective=1", as: "root", status: 200, want: []string{`"company_name":"Root Inc"`}},
		{name: "the partner's brand before the root's", setup: brandSetup(brandOn("root"), brandPut("root", `{"company_name":"Root Inc"}`), brandOn("partnerA"), brandPut("partnerA", brandFields)),
			method: "GET", path: "/api/2/tenants/{unitA}/brand?effective=1", as: "root", status: 200, want: []string{`"company_name":"Acme"`}},
		{name: "a customer has no own brand", setup: brandAFields, method: "GET", path: "/api/2/tenants/{customerA}/brand", as: "root", status: 404},
		{name: "an unbranded partner", method: "GET", path: "/api/2/tenants/{partnerB}/brand?effective=1", as: "root", status: 404},
		{name: "a disabled brand is still the partner's own", setup: brandADisable, method: "GET", path: "/api/2/tenants/{partnerA}/brand?effective=0", as: "root", status: 200,
			want: []string{`"company_name":"Acme"`}},
		{name: "a disabled brand is not in force", setup: brandADisable, method: "GET", path: "/api/2/tenants/{customerA}/brand?effective=1", as: "root", status: 404},
		{name: "another partner's brand", setup: brandAFields, method: "GET", path: "/api/2/tenants/{partnerA}/brand", as: "partnerB", status: 404},
		{name: "a customer reads its partner's own brand", setup: brandAFields, method: "GET", path: "/api/2/tenants/{partnerA}/brand", as: "cadmin", status: 404},
		{name: "a backup user", setup: brandAFields, method: "GET", path: "/api/2/tenants/{customerA}/brand?effective=1", as: "backup", status: 403},
		{name: "a bad effective", method: "GET", path: "/api/2/tenants/{partnerA}/brand?effective=maybe", as: "root", status: 400},
		{name: "a suspended principal", method: "GET", path: "/api/2/tenants/{customerS}/brand?effective=1", as: "suspended", status: 401},
	})
}

func TestBrandPut(t *testing.T) {
	put := "/api/2/tenants/{partnerA}/brand?version={partnerA.v}"
	run(t, []scenario{
		{name: "a partner sets its brand", setup: brandA, method: "PUT", path: put, as: "partnerA", body: brandFields, status: 200,
			want: []string{`"id":"{partnerA}"`, `"version":3`, `"brand_enabled":true`, `"brand_uuid":"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", "/api/2/tenants/{partnerA}/brand", "root", "", 200)
				if got["company_name"] != "Acme" || got["smtp_port"] != float64(587) || got["white_labeled_agent"] != true {
					t.Errorf("brand after PUT = %v", got)
				}
				brandUnchanged(t, e, nil)
			}},
		{name: "a partial update keeps the rest", setup: brandAFields, method: "PUT", path: put, as: "root",
			body: `{"color_scheme":"orange","company_name":"FooBar"}`, status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				b := brandOf(t, e, "partnerA")
				if b.Fields["company_name"] != "FooBar" || b.Fields["color_scheme"] != "orange" || b.Fields["upsell_url"] != "https://buy.example.com/partnerA" ||
					b.Fields["smtp_password"] != "s3cret" || !b.Flags["white_labeled_agent"] {
					t.Errorf("brand after a partial PUT = %v %v", b.Fields, b.Flags)
				}
			}},
		{name: "null and empty clear", setup: brandAFields, method: "PUT", path: put, as: "root",
			body: `{"upsell_url":null,"help_url":"","smtp_port":null,"smtp_override":0,"white_labeled_agent":"false"}`, status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", "/api/2/tenants/{partnerA}/brand", "root", "", 200)
				if got["upsell_url"] != nil || got["help_url"] != nil || got["smtp_port"] != float64(0) || got["smtp_override"] != float64(0) ||
					got["white_labeled_agent"] != false || got["company_name"] != "Acme" {
					t.Errorf("brand after clearing = %v", got)
				}
			}},
		{name: "GET, modify, PUT", setup: brandSetup(brandOn("partnerA"), brandPut("partnerA", brandFields), brandLogo("partnerA"), func(e *env) {
			got := e.json("GET", "/api/2/tenants/{partnerA}/brand", "root", "", 200)
			got["company_name"], got["logotype"] = "Changed", tenantd.NewID()
			b, err := json.Marshal(got)
			if err != nil {
				e.t.Fatal(err)
			}
			e.ids["partnerA.brand"] = string(b)
		}), method: "PUT", path: put, as: "root", body: "{partnerA.brand}", status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				b := brandOf(t, e, "partnerA")
				if b.Fields["company_name"] != "Changed" || b.Fields["smtp_password"] != "s3cret" || b.Fields["smtp_port"] != "587" || !b.HasLogo {
					t.Errorf("brand after GET-modify-PUT = %v, logo %v", b.Fields, b.HasLogo)
				}
			}},
		{name: "the password is write-only", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"smtp_password":"n3w"}`, status: 200,
			absent: []string{"n3w"},
			check: func(t *testing.T, e *env, _ map[string]any) {
				if b := brandOf(t, e, "partnerA"); b.Fields["smtp_password"] != "n3w" {
					t.Errorf("smtp_password = %q", b.Fields["smtp_password"])
				}
				if _, b := e.do("GET", "/api/2/tenants/{partnerA}/brand", "root", "", nil); strings.Contains(string(b), "n3w") {
					t.Errorf("GET shows the password: %s", b)
				}
			}},
		{name: "an unknown field, strictly", setup: brandAFields, method: "PUT", path: put + "&field_validation=strict", as: "root", body: `{"company_name":"X","favourite_colour":"red"}`, status: 400,
			want: []string{"favourite_colour"}, check: brandUnchanged},
		{name: "an unknown field", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"company_name":"X","favourite_colour":"red"}`, status: 200,
			absent: []string{"favourite_colour"}, warn: []string{"favourite_colour"}},
		{name: "a bad URL", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"upsell_url":"ftp://buy.example.com"}`, status: 400,
			want: []string{"upsell_url"}, check: brandUnchanged},
		{name: "a relative URL", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"home_url":"/home"}`, status: 400, check: brandUnchanged},
		{name: "an over-long field", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"company_name":"` + strings.Repeat("a", 1025) + `"}`, status: 400, check: brandUnchanged},
		{name: "a number for a string", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"company_name":5}`, status: 400, want: []string{"company_name"}},
		{name: "a string for a flag", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"hide_predefined":"yes"}`, status: 400},
		{name: "a bad smtp_override", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"smtp_override":2}`, status: 400},
		{name: "a bad port", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"smtp_port":65536}`, status: 400},
		{name: "a bad encryption", setup: brandAFields, method: "PUT", path: put, as: "root", body: `{"smtp_encryption":"STARTTLS"}`, status: 400},
		{name: "not an object", setup: brandAFields, method: "PUT", path: put, as: "root", body: `["company_name"]`, status: 400},
		{name: "no body", setup: brandAFields, method: "PUT", path: put, as: "root", status: 400},
		{name: "not JSON", setup: brandAFields, method: "PUT", path: put, as: "root", body: `company_name=x`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415},
		{name: "no version", setup: brandAFields, method: "PUT", path: "/api/2/tenants/{partnerA}/brand", as: "root", body: `{"company_name":"X"}`, status: 400},
		{name: "a stale version", setup: brandAFields, method: "PUT", path: "/api/2/tenants/{partnerA}/brand?version=2", as: "root", body: `{"company_name":"X"}`, status: 409,
			want: []string{`"code":"VersionConflict"`}, check: brandUnchanged},
		{name: "branding not enabled", setup: brandSetup(), method: "PUT", path: put, as: "root", body: `{"company_name":"X"}`, status: 404},
		{name: "branding disabled", setup: brandADisable, method: "PUT", path: put, as: "root", body: `{"company_name":"X"}`, status: 404, check: brandUnchanged},
		{name: "a customer", setup: brandSetup(), method: "PUT", path: "/api/2/tenants/{customerA}/brand?version={customerA.v}", as: "root", body: `{"company_name":"X"}`, status: 400},
		{name: "another partner", setup: brandAFields, method: "PUT", path: put, as: "partnerB", body: `{"company_name":"X"}`, status: 403, check: brandUnchanged},
		{name: "a read-only admin", setup: brandAFields, method: "PUT", path: "/api/2/tenants/{customerA}/brand?version=1", as: "readonly", body: `{"company_name":"X"}`, status: 403},
		{name: "a suspended principal", method: "PUT", path: "/api/2/tenants/{customerS}/brand?version=1", as: "suspended", body: `{"company_name":"X"}`, status: 401},
	})
}

// brandGetLogo fetches the named tenant's logo as a principal.
func brandGetLogo(t *testing.T, e *env, name, as string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+e.expand("/api/2/tenants/{"+name+"}/brand/logo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", e.auth[as])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestBrandLogo(t *testing.T) {
	post := "/api/2/tenants/{partnerA}/brand/logo?version={partnerA.v}"
	png := map[string]string{"Content-Type": "image/png"}
	logoUnchanged := func(t *testing.T, e *env, _ map[string]any) {
		if _, b := brandGetLogo(t, e, "partnerA", "root"); string(b) != brandPNG {
			t.Errorf("a refused upload changed the logo: %q", b)
		}
	}
	withLogo := brandSetup(brandOn("partnerA"), brandLogo("partnerA"))
	run(t, []scenario{
		{name: "a partner uploads a PNG", setup: brandA, method: "POST", path: post, as: "partnerA", body: brandPNG, header: png, status: 201,
			want: []string{`"id":"{partnerA}"`, `"version":3`, `"brand_enabled":true`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				resp, b := brandGetLogo(t, e, "partnerA", "partnerA")
				if resp.StatusCode != 200 || string(b) != brandPNG || resp.Header.Get("Content-Type") != "image/png" ||
					resp.Header.Get("Cache-Control") == "" || resp.Header.Get("Content-Length") != fmt.Sprint(len(brandPNG)) {
					t.Errorf("logo = %d %v %q", resp.StatusCode, resp.Header, b)
				}
			}},
		{name: "a JPEG replaces the PNG", setup: withLogo, method: "POST", path: post, as: "root", body: brandJPEG,
			header: map[string]string{"Content-Type": "image/jpeg"}, status: 201,
			check: func(t *testing.T, e *env, _ map[string]any) {
				if resp, b := brandGetLogo(t, e, "partnerA", "root"); string(b) != brandJPEG || resp.Header.Get("Content-Type") != "image/jpeg" {
					t.Errorf("logo = %v %q", resp.Header, b)
				}
			}},
		{name: "read the logo", setup: withLogo, method: "GET", path: "/api/2/tenants/{partnerA}/brand/logo", as: "root", status: 200, want: []string{brandPNG}},
		{name: "a customer reads its partner's logo", setup: withLogo, method: "GET", path: "/api/2/tenants/{customerA}/brand/logo", as: "cadmin", status: 200, want: []string{brandPNG}},
		{name: "no logo yet", setup: brandA, method: "GET", path: "/api/2/tenants/{partnerA}/brand/logo", as: "root", status: 404},
		{name: "another partner's logo", setup: withLogo, method: "GET", path: "/api/2/tenants/{partnerA}/brand/logo", as: "partnerB", status: 404},
		{name: "text as a PNG", setup: withLogo, method: "POST", path: post, as: "root", body: "hello, world", header: png, status: 400, check: logoUnchanged},
		{name: "a JPEG sent as PNG", setup: withLogo, method: "POST", path: post, as: "root", body: brandJPEG, header: png, status: 400, check: logoUnchanged},
		{name: "plain text", setup: withLogo, method: "POST", path: post, as: "root", body: "hello", header: map[string]string{"Content-Type": "text/plain"}, status: 415,
			check: logoUnchanged},
		{name: "a GIF", setup: withLogo, method: "POST", path: post, as: "root", body: "GIF89a", header: map[string]string{"Content-Type": "image/gif"}, status: 415},
		{name: "JSON", setup: withLogo, method: "POST", path: post, as: "root", body: `{"logo":"x"}`, status: 415},
		{name: "no media type", setup: withLogo, method: "POST", path: post, as: "root", body: brandPNG, header: map[string]string{"Content-Type": ""}, status: 415},
		{name: "an empty body", setup: withLogo, method: "POST", path: post, as: "root", header: png, status: 400, check: logoUnchanged},
		{name: "a 2 MB logo", setup: withLogo, method: "POST", path: post, as: "root", body: brandPNG + strings.Repeat("x", 2<<20), header: png, status: 413,
			want: []string{`"code":"RequestTooLarge"`}, check: logoUnchanged},
		{name: "no version", setup: withLogo, method: "POST", path: "/api/2/tenants/{partnerA}/brand/logo", as: "root", body: brandPNG, header: png, status: 400},
		{name: "a stale version", setup: withLogo, method: "POST", path: "/api/2/tenants/{partnerA}/brand/logo?version=2", as: "root", body: brandJPEG,
			header: map[string]string{"Content-Type": "image/jpeg"}, status: 409, check: logoUnchanged},
		{name: "branding not enabled", setup: brandSetup(), method: "POST", path: post, as: "root", body: brandPNG, header: png, status: 404},
		{name: "a customer", method: "POST", path: "/api/2/tenants/{customerA}/brand/logo?version=1", as: "root", body: brandPNG, header: png, status: 400},
		{name: "another partner", setup: withLogo, method: "POST", path: post, as: "partnerB", body: brandJPEG, header: map[string]string{"Content-Type": "image/jpeg"}, status: 403,
			check: logoUnchanged},
		{name: "a suspended principal", method: "POST", path: "/api/2/tenants/{customerS}/brand/logo?version=1", as: "suspended", body: brandPNG, header: png, status: 401},
	})
}

// Upsell: partnerA's brand has a Buy URL and PromoteHigherEditions is on for
// partnerA; customerA has four users, one for each combination of company
// administrator (a) and buyer (b): ab, a, b and n.

const (
	brandBuyURL      = "https://buy.example.com/partnerA"
	upsellEditionBuy = `"edition":{"show":true,"kind":"buy_now","url":"` + brandBuyURL + `"}`
	upsellEditionAsk = `"edition":{"show":true,"kind":"contact_sales","url":null}`
	upsellEditionOff = `"edition":{"show":false,"kind":null,"url":null}`
	upsellQuotaBuy   = `"quota":{"show":true,"kind":"buy_now","url":"` + brandBuyURL + `?origin=mc_usage_info"}`
	upsellQuotaAsk   = `"quota":{"show":true,"kind":"contact_sales","url":null}`
	upsellQuotaOff   = `"quota":{"show":false,"kind":null,"url":null}`
)

// upsellUsers creates ab, a, b and n in customerA.
func upsellUsers(e *env) {
	e.t.Helper()
	sys := brandSys(e)
	for _, u := range []struct {
		name         string
		admin, buyer bool
	}{{"ab", true, true}, {"a", true, false}, {"b", false, true}, {"n", false, false}} {
		email := u.name + "@upsell.example.com"
		c := &tenantd.UserCreate{TenantID: e.ids["customerA"], Login: "upsell-" + u.name,
			Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}}
		if u.buyer {
			c.BusinessTypes = []string{tenantd.BusinessBuyer}
		}
		created, err := e.db.CreateUser(sys, c)
		if err != nil {
			e.t.Fatalf("create %s: %v", u.name, err)
		}
		if u.admin {
			if _, err := e.db.SetAccessPolicies(sys, created.ID, []tenantd.AccessPolicy{{RoleID: tenantd.RoleCompanyAdmin, TenantID: e.ids["customerA"]}}); err != nil {
				e.t.Fatal(err)
			}
		}
		e.ids["user:"+u.name] = created.ID
	}
}

// upsellPromote sets PromoteHigherEditions on the named tenant.
func upsellPromote(name string, on bool) func(e *env) {
	return func(e *env) {
		e.json("PUT", "/api/2/applications/"+tenantd.PlatformAppID+"/settings/tenants/{"+name+"}/PromoteHigherEditions", "root",
			fmt.Sprintf(`{"value":%v}`, on), 200)
	}
}

func TestUpsell(t *testing.T) {
	buyURL := brandPut("partnerA", `{"upsell_url":"`+brandBuyURL+`"}`)
	full := brandSetup(upsellUsers, brandOn("partnerA"), buyURL, upsellPromote("partnerA", true))
	noURL := brandSetup(upsellUsers, brandOn("partnerA"), upsellPromote("partnerA", true))
	brandOffSetup := brandSetup(upsellUsers, brandOn("partnerA"), buyURL, brandOff("partnerA"), upsellPromote("partnerA", true))
	noPromotion := brandSetup(upsellUsers, brandOn("partnerA"), buyURL)
	rootBrand := brandSetup(upsellUsers, brandOn("root"), brandPut("root", `{"upsell_url":"https://buy.example.com/root"}`), upsellPromote("root", true))
	get := func(user string) string { return "/api/2/users/{user:" + user + "}/upsell" }
	run(t, []scenario{
		// Edition upsell with PromoteHigherEditions on, and quota upsell,
		// as the published tables have them.
		{name: "admin and buyer: buy now", setup: full, method: "GET", path: get("ab"), as: "root", status: 200, want: []string{upsellEditionBuy, upsellQuotaBuy}},
		{name: "admin, not buyer: contact sales", setup: full, method: "GET", path: get("a"), as: "root", status: 200, want: []string{upsellEditionAsk, upsellQuotaOff}},
		{name: "buyer, not admin: contact sales", setup: full, method: "GET", path: get("b"), as: "root", status: 200, want: []string{upsellEditionAsk, upsellQuotaAsk}},
		{name: "neither: contact sales", setup: full, method: "GET", path: get("n"), as: "root", status: 200, want: []string{upsellEditionAsk, upsellQuotaOff}},
		// "Buy now" only with branding enabled and a Buy URL.
		{name: "no Buy URL", setup: noURL, method: "GET", path: get("ab"), as: "root", status: 200, want: []string{upsellEditionAsk, upsellQuotaAsk}},
		{name: "branding disabled", setup: brandOffSetup, method: "GET", path: get("ab"), as: "root", status: 200, want: []string{upsellEditionAsk, upsellQuotaAsk}},
		{name: "no branding at all", setup: brandSetup(upsellUsers, upsellPromote("partnerA", true)), method: "GET", path: get("ab"), as: "root", status: 200,
			want: []string{upsellEditionAsk, upsellQuotaAsk}},
		{name: "the root's brand and promotion", setup: rootBrand, method: "GET", path: get("ab"), as: "root", status: 200,
			want: []string{`"edition":{"show":true,"kind":"buy_now","url":"https://buy.example.com/root"}`,
				`"quota":{"show":true,"kind":"buy_now","url":"https://buy.example.com/root?origin=mc_usage_info"}`}},
		// Edition upsell only where PromoteHigherEditions is in force.
		{name: "no promotion, admin and buyer", setup: noPromotion, method: "GET", path: get("ab"), as: "root", status: 200, want: []string{upsellEditionOff, upsellQuotaBuy}},
		{name: "no promotion, buyer", setup: noPromotion, method: "GET", path: get("b"), as: "root", status: 200, want: []string{upsellEditionOff, upsellQuotaAsk}},
		{name: "no promotion, neither", setup: noPromotion, method: "GET", path: get("n"), as: "root", status: 200, want: []string{upsellEditionOff, upsellQuotaOff}},
		{name: "promotion turned off on the customer", setup: brandSetup(upsellUsers, brandOn("partnerA"), buyURL, upsellPromote("partnerA", true), upsellPromote("customerA", false)),
			method: "GET", path: get("ab"), as: "root", status: 200, want: []string{upsellEditionOff, upsellQuotaBuy}},

		// Who may ask.
		{name: "a user asks for itself", setup: full, method: "GET", path: "/api/2/users/{user:backup}/upsell", as: "backup", status: 200,
			want: []string{upsellEditionAsk, upsellQuotaOff}},
		{name: "the company admin asks for a user", setup: full, method: "GET", path: get("ab"), as: "cadmin", status: 200, want: []string{upsellEditionBuy}},
		{name: "the partner asks", setup: full, method: "GET", path: get("b"), as: "partnerA", status: 200},
		{name: "a read-only admin asks", setup: full, method: "GET", path: get("b"), as: "readonly", status: 200},
		{name: "a colleague without roles", setup: full, method: "GET", path: get("ab"), as: "backup", status: 403},
		{name: "a unit admin asks for a user above it", setup: full, method: "GET", path: get("ab"), as: "uadmin", status: 404},
		{name: "another partner", setup: full, method: "GET", path: get("ab"), as: "partnerB", status: 404},
		{name: "an unknown user", method: "GET", path: "/api/2/users/{unknown}/upsell", as: "root", status: 404},
		{name: "a malformed id", method: "GET", path: "/api/2/users/nope/upsell", as: "root", status: 400},
		{name: "a suspended user", method: "GET", path: "/api/2/users/{user:suspendedUser}/upsell", as: "suspendedUser", status: 401},
		{name: "no credentials", setup: full, method: "GET", path: get("ab"), status: 401},
	})
}
