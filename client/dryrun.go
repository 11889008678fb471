package client

import (
	"context"
	"fmt"
)

// DryRunUpdateTenant asks what the update of a tenant, a suspension
// (Enabled false) or a move (ParentID), would do, without doing it
// (PUT /tenants/{id}?dry_run=true, a tenantd extension). It fails with the
// *Error the update itself would fail with.
func (c *Client) DryRunUpdateTenant(ctx context.Context, id string, body TenantPut) (*TenantDryRun, error) {
	dry := true
	resp, err := Check(c.UpdateTenantWithResponse(ctx, id, &UpdateTenantParams{DryRun: &dry}, body))
	if err != nil {
		return nil, err
	}
	if resp.ApplicationVndTenantdDryRunJSON200 == nil {
		return nil, fmt.Errorf("the server did not answer the dry run (Content-Type %q): is it tenantd?", resp.HTTPResponse.Header.Get("Content-Type"))
	}
	return resp.ApplicationVndTenantdDryRunJSON200, nil
}

// DryRunDeleteTenant asks what deleting a tenant would do, without doing it
// (DELETE /tenants/{id}?dry_run=true, a tenantd extension).
func (c *Client) DryRunDeleteTenant(ctx context.Context, id string, version int) (*TenantDryRun, error) {
	dry := true
	resp, err := Check(c.DeleteTenantWithResponse(ctx, id, &DeleteTenantParams{Version: version, DryRun: &dry}))
	if err != nil {
		return nil, err
	}
	if resp.ApplicationVndTenantdDryRunJSON200 == nil {
		return nil, fmt.Errorf("the server did not answer the dry run (status %d): is it tenantd?", resp.StatusCode())
	}
	return resp.ApplicationVndTenantdDryRunJSON200, nil
}
