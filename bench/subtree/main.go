// Command subtree measures, over HTTP against a running tenantd, what
// suspending and deleting a partner with many descendants costs, each
// against a baseline measured in the same run.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "subtree:", err)
		os.Exit(1)
	}
}

type api struct {
	base string // http://host:port/api/2
	auth string
	hc   *http.Client
}

// call sends a request and decodes a JSON answer into out (if not nil),
// failing unless the status is want.
func (a *api) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", a.auth)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

type tenant struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
}

func token(ctx context.Context, hc *http.Client, base, id, secret string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/idp/token", strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("token request: status %d", resp.StatusCode)
	}
	return out.AccessToken, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("subtree", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "tenantd URL")
	credsPath := fs.String("creds", "", "file with the JSON tenantd bootstrap printed")
	descendants := fs.Int("descendants", 10000, "descendants of the partner (rounded to whole customers)")
	unitsPer := fs.Int("units", 99, "units per customer")
	reps := fs.Int("reps", 7, "repetitions of each measurement")
	workers := fs.Int("workers", 8, "concurrent requests while building the tree")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var creds struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		TenantID     string `json:"tenant_id"`
	}
	raw, err := os.ReadFile(*credsPath)
	if err != nil {
		return fmt.Errorf("read -creds: %w", err)
	}
	if err := json.Unmarshal(raw, &creds); err != nil {
		return fmt.Errorf("read -creds: %w", err)
	}
	hc := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}
	a := &api{base: strings.TrimRight(*base, "/") + "/api/2", hc: hc}
	tok, err := token(ctx, hc, a.base, creds.ClientID, creds.ClientSecret)
	if err != nil {
		return err
	}
	a.auth = "Bearer " + tok

	stamp := time.Now().Format("150405.000")
	build := func(name string) (*tenant, *tenant, int, error) {
		var p tenant
		if err := a.call(ctx, "POST", "/tenants", map[string]any{"name": name + " " + stamp, "parent_id": creds.TenantID, "kind": "partner"}, 201, &p); err != nil {
			return nil, nil, 0, err
		}
		customers := max(1, *descendants/(*unitsPer+1))
		var (
			mu   sync.Mutex
			last tenant
			n    int
			errs []error
			wg   sync.WaitGroup
			sem  = make(chan struct{}, *workers)
		)
		start := time.Now()
		for c := range customers {
			var cust tenant
			if err := a.call(ctx, "POST", "/tenants", map[string]any{"name": fmt.Sprintf("c%d", c), "parent_id": p.ID, "kind": "customer"}, 201, &cust); err != nil {
				return nil, nil, 0, err
			}
			n++
			for u := range *unitsPer {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					var unit tenant
					err := a.call(ctx, "POST", "/tenants", map[string]any{"name": fmt.Sprintf("u%d", u), "parent_id": cust.ID, "kind": "unit"}, 201, &unit)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
						return
					}
					n++
					last = unit
				})
			}
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, nil, 0, err
		}
		fmt.Fprintf(stdout, "built %s: %d descendants in %v\n", name, n, time.Since(start).Round(time.Millisecond))
		return &p, &last, n, nil
	}

	partner, deep, n, err := build("bench partner")
	if err != nil {
		return err
	}
	// A client in the deepest unit, and its token.
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := a.call(ctx, "POST", "/clients", map[string]any{"type": "api_client", "tenant_id": deep.ID, "token_endpoint_auth_method": "client_secret_basic"}, 201, &c); err != nil {
		return err
	}
	deepTok, err := token(ctx, hc, a.base, c.ID, c.Secret)
	if err != nil {
		return err
	}
	inside := &api{base: a.base, auth: "Bearer " + deepTok, hc: hc}

	timeIt := func(f func() error) (time.Duration, error) {
		start := time.Now()
		err := f()
		return time.Since(start), err
	}
	get := func(id string) (tenant, error) {
		var t tenant
		err := a.call(ctx, "GET", "/tenants/"+id, nil, 200, &t)
		return t, err
	}

	var leafPut, suspendPut, plainGet, refusal []time.Duration
	for i := range *reps {
		leaf, err := get(deep.ID)
		if err != nil {
			return err
		}
		d, err := timeIt(func() error {
			return a.call(ctx, "PUT", "/tenants/"+deep.ID, map[string]any{"name": fmt.Sprintf("leaf %d", i), "version": leaf.Version}, 200, nil)
		})
		if err != nil {
			return err
		}
		leafPut = append(leafPut, d)
		d, err = timeIt(func() error { return inside.call(ctx, "GET", "/tenants/"+deep.ID, nil, 200, nil) })
		if err != nil {
			return err
		}
		plainGet = append(plainGet, d)

		p, err := get(partner.ID)
		if err != nil {
			return err
		}
		d, err = timeIt(func() error {
			return a.call(ctx, "PUT", "/tenants/"+partner.ID, map[string]any{"enabled": false, "version": p.Version}, 200, nil)
		})
		if err != nil {
			return err
		}
		suspendPut = append(suspendPut, d)
		// The very first request after the PUT's response must be refused.
		d, err = timeIt(func() error { return inside.call(ctx, "GET", "/tenants/"+deep.ID, nil, 401, nil) })
		if err != nil {
			return fmt.Errorf("descendant's token after suspension: %w", err)
		}
		refusal = append(refusal, d)
		if err := a.call(ctx, "PUT", "/tenants/"+partner.ID, map[string]any{"enabled": true, "version": p.Version + 1}, 200, nil); err != nil {
			return err
		}
	}

	// Deletion: of the disabled partner, against a disabled leaf; each is
	// restored before the next repetition.
	var leafDelete, subtreeDelete []time.Duration
	p, err := get(partner.ID)
	if err != nil {
		return err
	}
	if err := a.call(ctx, "PUT", "/tenants/"+partner.ID, map[string]any{"enabled": false, "version": p.Version}, 200, nil); err != nil {
		return err
	}
	var spare tenant
	if err := a.call(ctx, "POST", "/tenants", map[string]any{"name": "spare leaf " + stamp, "parent_id": creds.TenantID, "kind": "customer", "enabled": false}, 201, &spare); err != nil {
		return err
	}
	for range *reps {
		for _, tc := range []struct {
			id  string
			out *[]time.Duration
		}{{spare.ID, &leafDelete}, {partner.ID, &subtreeDelete}} {
			cur, err := get(tc.id)
			if err != nil {
				return err
			}
			d, err := timeIt(func() error {
				return a.call(ctx, "DELETE", fmt.Sprintf("/tenants/%s?version=%d", tc.id, cur.Version), nil, 204, nil)
			})
			if err != nil {
				return err
			}
			*tc.out = append(*tc.out, d)
			if err := a.call(ctx, "POST", "/tenants/"+tc.id+"/restore", nil, 204, nil); err != nil {
				return err
			}
		}
	}

	med := func(ds []time.Duration) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)/2]
	}
	ratio := func(x, base []time.Duration) float64 { return float64(med(x)) / float64(med(base)) }
	fmt.Fprintf(stdout, "partner with %d descendants, %d repetitions, medians:\n", n, *reps)
	fmt.Fprintf(stdout, "  PUT suspend partner        %10v   %.2fx a PUT on a leaf (%v)\n", med(suspendPut).Round(time.Microsecond), ratio(suspendPut, leafPut), med(leafPut).Round(time.Microsecond))
	fmt.Fprintf(stdout, "  descendant token refused   %10v   %.2fx an authenticated GET (%v); refused on the first request after the PUT\n", med(refusal).Round(time.Microsecond), ratio(refusal, plainGet), med(plainGet).Round(time.Microsecond))
	fmt.Fprintf(stdout, "  DELETE partner subtree     %10v   %.2fx a DELETE of a leaf (%v)\n", med(subtreeDelete).Round(time.Microsecond), ratio(subtreeDelete, leafDelete), med(leafDelete).Round(time.Microsecond))
	return nil
}
