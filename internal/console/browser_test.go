package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/testserver"
)

// chromium finds the headless browser the end-to-end test drives; under CI
// a missing one fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is needed under CI (apt-get install chromium): %v", err)
		}
		t.Skip("no chromium on PATH")
	}
	return path
}

// screenshots is where the test saves a picture of every page it visits:
// TENANTD_SCREENSHOTS, or a temporary directory.
func screenshots(t *testing.T) string {
	dir := os.Getenv("TENANTD_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// page drives one browser tab, saving a screenshot after every step.
type page struct {
	t   *testing.T
	ctx context.Context
	dir string
	n   int
}

func (p *page) run(name string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	p.shot(name)
	if err != nil {
		p.t.Fatalf("%s: %v", name, err)
	}
}

func (p *page) shot(name string) {
	p.t.Helper()
	p.n++
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(p.dir, fmt.Sprintf("%s-%02d-%s.png", p.t.Name(), p.n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Errorf("save screenshot: %v", err)
	}
}

// waitText waits until the element sel matches holds want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q); })()`, sel, want)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))(ctx, t)
		if err != nil {
			return fmt.Errorf("wait for %q in %s: %w", want, sel, err)
		}
		return nil
	})
}

// waitJS waits until the expression is true.
func waitJS(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))(ctx, t)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", js, err)
		}
		return nil
	})
}

// eval evaluates the expression into out.
func eval(expr string, out *string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := chromedp.Evaluate[string](expr)(ctx, t)
		*out = v
		return err
	})
}

// TestBrowser signs a partner's administrator in with a real browser and
// drives the console: finding a customer among 2,000 by search,
// suspending and reactivating it, switching it to production, making its
// administrator a buyer and showing the upsell prompt in the partner's
// colours; after each step the API says the change was made.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	dir := screenshots(t)
	t.Logf("screenshots in %s", dir)
	e := start(t, testserver.Stores[0].DSN(t))

	partner := e.createTenant(e.api.RootID, "Northwind Partner", "partner")
	e.createAdmin(partner.ID, "padmin", "a long password", "partner_admin")
	e.root("POST", fmt.Sprintf("/tenants/%s/brand?version=%d", partner.ID, partner.Version), nil, 201, nil)
	partner = e.tenant(partner.ID)
	e.root("PUT", fmt.Sprintf("/tenants/%s/brand?version=%d", partner.ID, partner.Version),
		map[string]any{"company_name": "Northwind", "color": "#6a1b9a", "upsell_url": "https://buy.example.com/northwind"}, 200, nil)

	// 2,000 customers, the one to find among them.
	seedStart := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < 2000; i += 8 {
				if i == 1337 {
					continue
				}
				if err := e.tryRoot("POST", "/tenants", map[string]any{"name": fmt.Sprintf("Customer %04d", i), "parent_id": partner.ID, "kind": "customer"}, 201); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	gone := e.createTenant(e.api.RootID, "Suspended Partner", "partner")
	e.createAdmin(gone.ID, "xadmin", "a long password", "partner_admin")
	e.root("PUT", "/tenants/"+gone.ID, map[string]any{"enabled": false, "version": gone.Version}, 200, nil)
	secure := e.createTenant(e.api.RootID, "Secure Partner", "partner")
	e.createAdmin(secure.ID, "sadmin", "a long password", "partner_admin")
	e.root("PUT", "/tenants/"+secure.ID+"/mfa/status", map[string]any{"enabled": true}, 200, nil)
	target := e.createTenant(partner.ID, "Zephyr Target Works", "customer")
	cadminID := e.createAdmin(target.ID, "cadmin", "a long password", "company_admin")
	t.Logf("seeded 2,000 customers in %v", time.Since(seedStart).Round(time.Millisecond))
	backup, item := e.protectPerWorkload(partner.ID, target.ID)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first run starts the browser, which lives as long as its
	// context: that one has no timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	p := &page{t: t, ctx: ctx, dir: dir}

	// Sign in.
	p.run("sign-in-page", chromedp.Navigate(e.url+"/console/"), chromedp.WaitVisible(chromedp.ID("login")))
	p.run("wrong-password", chromedp.SendKeys(chromedp.ID("login"), "padmin"), chromedp.SendKeys(chromedp.ID("password"), "wrong password"),
		chromedp.Click(chromedp.ID("signin-submit")), waitText("#signin-error", "password"))
	// With the keyboard: Enter in the password field signs in.
	p.run("signed-in", eval(`document.getElementById("password").value = ""`, new(string)), chromedp.SendKeys(chromedp.ID("password"), "a long password"+kb.Enter),
		waitText("#tenant-name", "Northwind Partner"), waitText("#children-note", "50 shown"))
	var token string
	p.run("no-token-in-page", eval(`document.cookie`, &token))
	if strings.Contains(token, "console_session") {
		t.Fatalf("the page sees the session cookie: %s", token)
	}

	// Find the customer by search, among 2,000.
	p.run("search", chromedp.SendKeys(chromedp.ID("child-search"), "zephyr"), chromedp.Click(chromedp.CSS(`#section-children button[type="submit"]`)),
		waitText("#children-note", "1 found"), waitText("#children", "Zephyr Target Works"))
	p.run("customer-page", chromedp.Click(chromedp.CSS(`#children a`)), waitText("#tenant-name", "Zephyr Target Works"),
		waitText(".breadcrumbs", "Northwind Partner"), waitText("#tenant-status", "Active"), waitText("#users", "cadmin"), waitText("#pricing-mode", "trial"))

	// The dialog works with the keyboard: Enter opens it on Cancel, Escape
	// closes it and nothing changes.
	var focused string
	p.run("keyboard-dialog", chromedp.Focus(chromedp.ID("suspend")), chromedp.KeyEvent(kb.Enter), waitText("#impact", "locked out"),
		eval(`document.activeElement.id`, &focused), chromedp.KeyEvent(kb.Escape),
		waitJS(`!document.getElementById("confirm").open`))
	if focused != "confirm-cancel" {
		t.Errorf("the dialog opened with the focus on %q, not on Cancel", focused)
	}
	if got := e.tenant(target.ID); !got.Enabled {
		t.Fatal("escaping the dialog suspended the customer")
	}

	// Suspend: the dry run's counts first, then the change.
	p.run("suspend-impact", chromedp.Click(chromedp.ID("suspend")), waitText("#impact", "1 tenant (1 customer) locked out"), waitText("#impact", "1 user cannot sign in"))
	p.run("suspended", chromedp.Click(chromedp.ID("confirm-ok")), waitText("#tenant-status", "Suspended"))
	if got := e.tenant(target.ID); got.Enabled {
		t.Fatal("the API says the customer is not suspended")
	}
	p.run("reactivate-confirm", chromedp.Click(chromedp.ID("reactivate")), waitText("#confirm-title", "Reactivate"))
	p.run("reactivated", chromedp.Click(chromedp.ID("confirm-ok")), waitText("#tenant-status", "Active"))
	if got := e.tenant(target.ID); !got.Enabled {
		t.Fatal("the API says the customer is not active again")
	}

	// The item over its quota is marked.
	p.run("over-quota", waitText(`#items tr[data-item="`+item+`"]`, "3 of 2"), waitText(`#items tr[data-item="`+item+`"]`, "Over quota"))

	// Changed by someone else: the page says so.
	current := e.tenant(target.ID)
	e.root("PUT", "/tenants/"+target.ID, map[string]any{"name": "Zephyr Target Works Ltd", "version": current.Version}, 200, nil)
	p.run("stale", chromedp.Click(chromedp.ID("suspend")), waitText("#status", "Changed by someone else — reload."))
	p.run("reloaded", chromedp.Reload(), waitText("#tenant-name", "Zephyr Target Works Ltd"), waitText("#pricing-mode", "trial"))

	// Trial to production, with the warning first.
	p.run("production-warning", chromedp.Click(chromedp.ID("to-production")), waitText("#confirm-body", "cannot be undone"))
	p.run("production", chromedp.Click(chromedp.ID("confirm-ok")), waitText("#pricing-mode", "production"))
	var pricing struct {
		Mode string `json:"mode"`
	}
	e.root("GET", "/tenants/"+target.ID+"/pricing", nil, 200, &pricing)
	if pricing.Mode != "production" {
		t.Fatalf("the API says the pricing mode is %q", pricing.Mode)
	}

	// An edition switch, with the check's warnings first.
	p.run("edition-choice", waitText("#edition", "pck_per_workload (in use)"))
	p.run("edition-warnings", chromedp.SetValue(chromedp.ID("edition"), backup+"/pck_per_gigabyte"),
		chromedp.Click(chromedp.CSS(`#edition-form button`)), waitText("#confirm-title", "pck_per_gigabyte"), waitText("#edition-warnings", "Billing changes"))
	p.run("edition-switched", chromedp.Click(chromedp.ID("confirm-ok")), waitText("#status", "now uses pck_per_gigabyte"))
	var items struct {
		Items []struct {
			Edition string `json:"edition"`
		} `json:"items"`
	}
	e.root("GET", "/tenants/"+target.ID+"/offering_items?edition=*&status=1", nil, 200, &items)
	for _, it := range items.Items {
		if it.Edition == "pck_per_workload" {
			t.Fatal("the API says items per workload are still on")
		}
	}

	// Buyer, then the upsell prompt in the partner's colours.
	row := `#users tr[data-login="cadmin"]`
	p.run("buyer-confirm", chromedp.Click(chromedp.CSS(row+" .toggle-buyer")), waitText("#confirm-body", "offered purchases"))
	p.run("buyer", chromedp.Click(chromedp.ID("confirm-ok")), waitText(row+" .buyer", "Yes"))
	var user struct {
		BusinessTypes []string `json:"business_types"`
	}
	e.root("GET", "/users/"+cadminID, nil, 200, &user)
	if len(user.BusinessTypes) != 1 || user.BusinessTypes[0] != "buyer" {
		t.Fatalf("the API says the business types are %v", user.BusinessTypes)
	}
	var href, background string
	p.run("upsell", chromedp.Click(chromedp.CSS(row+" .show-upsell")), waitText("#upsell-quota", "Buy now"),
		eval(`document.querySelector('#upsell-quota a').href`, &href),
		eval(`getComputedStyle(document.querySelector('#upsell-quota a')).backgroundColor`, &background))
	var upsell struct {
		Quota struct {
			Kind string `json:"kind"`
			URL  string `json:"url"`
		} `json:"quota"`
	}
	e.root("GET", "/users/"+cadminID+"/upsell", nil, 200, &upsell)
	if upsell.Quota.Kind != "buy_now" || href != upsell.Quota.URL || !strings.HasPrefix(href, "https://buy.example.com/northwind") {
		t.Errorf("the page links to %q; the API's prompt is %+v", href, upsell.Quota)
	}
	if background != "rgb(106, 27, 154)" {
		t.Errorf("the Buy button's colour is %s, not the brand's", background)
	}

	// On a narrow screen nothing runs off to the side.
	var fits string
	p.run("narrow", chromedp.EmulateViewport(375, 800), chromedp.Reload(), waitText("#tenant-name", "Zephyr"), waitText("#users", "cadmin"),
		eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`, &fits))
	if fits != "true" {
		t.Error("the tenant page is wider than a 375-pixel screen")
	}
	p.run("wide", chromedp.EmulateViewport(1280, 1000))

	// Signing out ends the session.
	p.run("signed-out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("login")))
	p.run("after-sign-out", chromedp.Navigate(e.url+"/console/#/tenants/"+target.ID), chromedp.WaitVisible(chromedp.ID("login")))

	// A suspended tenant's user is refused with the API's message.
	p.run("suspended-sign-in", chromedp.SendKeys(chromedp.ID("login"), "xadmin"), chromedp.SendKeys(chromedp.ID("password"), "a long password"+kb.Enter),
		waitText("#signin-error", "the tenant is suspended"))
	p.run("clear", eval(`(() => { for (const id of ["login", "password"]) document.getElementById(id).value = ""; return ""; })()`, new(string)))

	// A user with multi-factor authentication on is asked for the code,
	// here while enrolling its key.
	var help string
	p.run("mfa-asked", chromedp.SendKeys(chromedp.ID("login"), "sadmin"), chromedp.SendKeys(chromedp.ID("password"), "a long password"+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("totp")), waitText("#signin-error", "authentication code"), eval(`document.getElementById("mfa-help").textContent`, &help))
	_, secret, ok := strings.Cut(help, ": ")
	if !ok {
		t.Fatalf("no key to enrol in %q", help)
	}
	code, err := auth.TOTPCode(strings.TrimSpace(secret), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The page still names the other partner's customer, which this user
	// cannot see: the page says so and leads home.
	p.run("mfa-signed-in", chromedp.SendKeys(chromedp.ID("totp"), code+kb.Enter), waitText("#main", "not found"))
	p.run("home", chromedp.Click(chromedp.ID("home-link")), waitText("#tenant-name", "Secure Partner"))
}
