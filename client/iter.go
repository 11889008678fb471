package client

import (
	"context"
	"iter"
)

// Page is one page of a batch list: its items and the cursor of the next
// page, empty on the last.
type Page[T any] struct {
	Items []T
	After string
}

// All iterates over every item of a batch list, page after page. fetch
// gets the cursor of the page to fetch, empty for the first. Iteration
// stops at the first error, which is yielded with the zero item.
func All[T any](ctx context.Context, fetch func(ctx context.Context, after string) (Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		after := ""
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			page, err := fetch(ctx, after)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
			if page.After == "" || page.After == after {
				return
			}
			after = page.After
		}
	}
}

// after returns the next-page cursor of a paging object.
func after(p *Paging) string {
	if p == nil || p.Cursors == nil || p.Cursors.After == nil {
		return ""
	}
	return *p.Cursors.After
}

// Tenants iterates over the tenants of a batch list (GET /tenants) with the
// filters of params, in full; the cursor is managed here.
func (c *Client) Tenants(ctx context.Context, params FetchTenantsBatchParams) iter.Seq2[TenantFull, error] {
	full := FetchTenantsBatchParamsLodFull
	params.Lod, params.After = &full, nil
	return All(ctx, func(ctx context.Context, cursor string) (Page[TenantFull], error) {
		p := params
		if cursor != "" {
			p = FetchTenantsBatchParams{After: &cursor}
		}
		resp, err := Check(c.FetchTenantsBatchWithResponse(ctx, &p))
		if err != nil {
			return Page[TenantFull]{}, err
		}
		page := Page[TenantFull]{After: after(resp.JSON200.Paging)}
		for _, item := range resp.JSON200.Items {
			t, err := item.AsTenantFull()
			if err != nil {
				return Page[TenantFull]{}, err
			}
			page.Items = append(page.Items, t)
		}
		return page, nil
	})
}
