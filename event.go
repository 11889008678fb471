package tenantd

import (
	"context"
	"encoding/json"
	"time"
)

// Object types of the audit trail: what a change was made to.
const (
	ObjectTenant         = "tenant"
	ObjectUser           = "user"
	ObjectAccessPolicies = "access_policies" // the roles of a user; the object id is the user's
	ObjectClient         = "client"
	ObjectSetting        = "setting"             // the object id is "<application id>/<setting name>"
	ObjectBinding        = "application_binding" // the object id is the application's
	ObjectOfferingItems  = "offering_items"      // the items of a tenant; the object id is the tenant's
	ObjectItemPrices     = "item_prices"         // the prices of a tenant; the object id is the tenant's
	ObjectEdition        = "edition"             // the edition of a service; the object id is the application's
	ObjectPricing        = "pricing"             // the pricing mode of a tenant; the object id is the tenant's
	ObjectBrand          = "brand"               // the object id is the brand's (brand_uuid)
	ObjectLocation       = "location"
	ObjectInfra          = "infra"
)

// EventObjectTypes lists the object types of the audit trail.
var EventObjectTypes = []string{
	ObjectTenant, ObjectUser, ObjectAccessPolicies, ObjectClient, ObjectSetting, ObjectBinding,
	ObjectOfferingItems, ObjectItemPrices, ObjectEdition, ObjectPricing, ObjectBrand, ObjectLocation, ObjectInfra,
}

// Actions of the audit trail: what was done to the object.
const (
	ActionCreate         = "create"
	ActionUpdate         = "update" // includes suspending, reactivating and moving a tenant
	ActionDelete         = "delete"
	ActionRestore        = "restore"
	ActionSet            = "set" // a setting's own value, a user's roles
	ActionSetPassword    = "set_password"
	ActionActivate       = "activate" // a user set its first password with an activation link
	ActionSendActivation = "send_activation_email"
	ActionBind           = "bind"
	ActionUnbind         = "unbind"
	ActionSwitch         = "switch" // an edition switch
	ActionEnable         = "enable"
	ActionDisable        = "disable"
	ActionSetLogo        = "set_logo"
)

// Actor is who made a change: an API client, a user, or the system
// (operator commands and background jobs, with the id "system").
type Actor struct {
	Type PrincipalType
	ID   string
}

// SystemActor is the actor of changes made by tenantd itself.
var SystemActor = Actor{Type: PrincipalSystem, ID: "system"}

// Event is one record of the audit trail: a change, written in the
// transaction that made it, so that a change that rolls back leaves no
// event and a change that commits always has one.
type Event struct {
	ID string
	// Sequence orders the events of one OccurredAt; together they are the
	// event's position in the trail.
	Sequence   int64
	OccurredAt time.Time // the time of the change's transaction
	Actor      Actor
	// TenantID is the tenant the object belongs to (the tenant itself for a
	// tenant) and TenantPath its materialized path when the change was
	// made: an event is in the subtree of the tenants on that path.
	TenantID   string
	TenantPath string
	// MovedFrom is the tenant's path before the change when the change
	// moved it, "" otherwise; the event is also in the subtree of the
	// tenants on that path.
	MovedFrom  string
	ObjectType string
	ObjectID   string
	Action     string
	// Before and After are the object's state, as JSON objects, before and
	// after the change; nil when the object did not exist. They never hold
	// secrets: password hashes, client secrets and the brand's SMTP
	// password are left out.
	Before json.RawMessage
	After  json.RawMessage
}

// MaxEventLimit is the most events one page of the audit trail holds.
const MaxEventLimit = 1000

// EventCursor is the position after the last event of a page.
type EventCursor struct {
	OccurredAt time.Time `json:"t"`
	Sequence   int64     `json:"s"`
}

// EventFilter selects events for FindEvents. Unset fields select all.
type EventFilter struct {
	// TenantID limits the events to those of the tenant's subtree.
	TenantID   *string
	ObjectType *string
	ObjectID   *string
	// After continues the trail after this position (from a previous page).
	After *EventCursor
	// Limit bounds the page: 0 or more than MaxEventLimit means
	// MaxEventLimit.
	Limit int
}

// Validate checks the fields that need no store to check.
func (f *EventFilter) Validate() error {
	if f.ObjectType != nil && !validObjectType(*f.ObjectType) {
		return Errorf(EINVALID, "object_type %q is not an object type of the audit trail", *f.ObjectType)
	}
	if f.ObjectID != nil && (*f.ObjectID == "" || len(*f.ObjectID) > MaxTextLength) {
		return Errorf(EINVALID, "object_id must hold 1 to %d bytes", MaxTextLength)
	}
	if f.After != nil && f.After.Sequence < 0 {
		return Errorf(EINVALID, "the cursor is not valid")
	}
	return nil
}

func validObjectType(s string) bool {
	for _, t := range EventObjectTypes {
		if t == s {
			return true
		}
	}
	return false
}

// EventPage is one page of the audit trail.
type EventPage struct {
	Items []*Event
	// Next is the position after the last item; when the page is empty, the
	// position it was read from. It is never nil: a reader that keeps
	// passing it back follows the trail as it grows.
	Next *EventCursor
}

// EventService reads the audit trail. The services write it: every change
// they make records one event in its own transaction.
type EventService interface {
	// FindEvents returns one page of the events of the principal's subtree
	// matching f, in the order of the trail: by OccurredAt, then Sequence.
	// It returns only events older than a time before which every
	// transaction has committed, so a reader that follows Next misses none,
	// even while writers commit out of order. Returns EFORBIDDEN unless the
	// principal may read, ENOTFOUND if f.TenantID is not visible to it,
	// EINVALID for an unknown object type.
	FindEvents(ctx context.Context, f EventFilter) (*EventPage, error)
}
