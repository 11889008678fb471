package tenantd

// Offering items are what a tenant may use of a service: a kind of workload
// (workstations, virtual machines), an amount of storage, a feature. The
// catalog declares them per application, each measuring one of the
// application's usage names; a tenant has a subset of its parent's enabled
// items, each on or off with a quota. Services with editions (Cyber
// Protection, File Sync & Share) group their items by edition: a tenant uses
// one edition of such a service at a time (edition.go).
//
// Decisions, where the API leaves a choice:
//   - The catalog is data in the repository (package catalog), checked once
//     by NewCatalog: unique ids and names, known applications, types, units
//     and usage names, valid setting defaults. A bad catalog is a bug, so
//     NewCatalog's errors are internal ones.
//   - An item of type feature is measured in "n/a", and only such an item.
//   - Every edition an item names is described by an EditionDef (how it
//     bills, how much it offers), which the edition-switch warnings are
//     computed from.
//   - Lists come in catalog order; edition names sorted.

import (
	"fmt"
	"slices"
	"sort"
)

// Offering item types.
const (
	ItemCount   = "count"   // countable: devices, seats, bytes of storage
	ItemFeature = "feature" // a feature on or off, nothing to count
	ItemInfra   = "infra"   // an infrastructure component, such as a storage location
)

// Measurement units of offering items.
const (
	UnitBytes    = "bytes"
	UnitQuantity = "quantity"
	UnitSeconds  = "seconds"
	UnitNA       = "n/a" // features only
)

// OfferingItemDef declares an offering item of an application.
type OfferingItemDef struct {
	ApplicationID string
	Name          string // unique within the application
	// Edition is the edition the item belongs to, "" for an item that
	// belongs to every edition (local_storage, say).
	Edition string
	// UsageName is the usage the item measures, one of the application's
	// usages. Items of different editions that measure the same thing share
	// it (vms and adv_vms both measure vms), and an edition switch carries
	// quotas over by it.
	UsageName       string
	Type            string // ItemCount, ItemFeature or ItemInfra
	MeasurementUnit string // UnitBytes, UnitQuantity, UnitSeconds or UnitNA
}

// Catalog holds the applications, their settings, offering items and
// editions. Build it with NewCatalog, and do not change its fields after:
// the lookup methods use indexes built from them.
type Catalog struct {
	Applications []Application
	Settings     []SettingDef
	Items        []OfferingItemDef
	EditionDefs  []EditionDef
	// Locations and Infra are the platform's own, shipped read-only; set
	// them with SetInfrastructure. Their owners are left empty: the store
	// gives them to the root tenant.
	Locations []Location
	Infra     []Infra

	apps       map[string]int
	settings   map[catalogKey]int
	items      map[catalogKey]int
	editions   map[catalogKey]int
	appSets    map[string][]int // application id → indexes into Settings
	appItems   map[string][]int // application id → indexes into Items
	appEdNames map[string][]string
}

// catalogKey names a setting, item or edition of an application.
type catalogKey struct{ app, name string }

// NewCatalog checks the declarations and returns a catalog of them. Every
// application id must be a lowercase UUID, unique, of a known type; every
// setting, item and edition must belong to a known application and have a
// name unique within it; settings must have a known type and a valid
// default; items a known type and unit and a usage name of their
// application; every edition named by an item must be declared, and every
// edition declared must have items.
func NewCatalog(apps []Application, settings []SettingDef, items []OfferingItemDef, editions []EditionDef) (*Catalog, error) {
	c := &Catalog{
		Applications: slices.Clone(apps),
		Settings:     slices.Clone(settings),
		Items:        slices.Clone(items),
		EditionDefs:  slices.Clone(editions),
		apps:         make(map[string]int, len(apps)),
		settings:     make(map[catalogKey]int, len(settings)),
		items:        make(map[catalogKey]int, len(items)),
		editions:     make(map[catalogKey]int, len(editions)),
		appSets:      make(map[string][]int),
		appItems:     make(map[string][]int),
		appEdNames:   make(map[string][]string),
	}
	usages := make(map[catalogKey]bool)
	for i, a := range c.Applications {
		switch {
		case !ValidID(a.ID):
			return nil, fmt.Errorf("catalog: application id %q is not a lowercase UUID", a.ID)
		case a.Name == "":
			return nil, fmt.Errorf("catalog: application %s has no name", a.ID)
		case !ValidAppType(a.Type):
			return nil, fmt.Errorf("catalog: application %s has unknown type %q", a.ID, a.Type)
		}
		if _, dup := c.apps[a.ID]; dup {
			return nil, fmt.Errorf("catalog: application %s is declared twice", a.ID)
		}
		c.apps[a.ID] = i
		c.Applications[i].Usages = slices.Clone(a.Usages)
		if c.Applications[i].Usages == nil {
			c.Applications[i].Usages = []string{}
		}
		for _, u := range a.Usages {
			k := catalogKey{a.ID, u}
			if u == "" || usages[k] {
				return nil, fmt.Errorf("catalog: application %s has an empty or repeated usage name %q", a.ID, u)
			}
			usages[k] = true
		}
	}

	for i, s := range c.Settings {
		k := catalogKey{s.ApplicationID, s.Name}
		switch {
		case !c.known(s.ApplicationID):
			return nil, fmt.Errorf("catalog: setting %s belongs to unknown application %q", s.Name, s.ApplicationID)
		case s.Name == "":
			return nil, fmt.Errorf("catalog: a setting of application %s has no name", s.ApplicationID)
		case !s.Type.Valid():
			return nil, fmt.Errorf("catalog: setting %s has unknown type %q", s.Name, s.Type)
		}
		if _, dup := c.settings[k]; dup {
			return nil, fmt.Errorf("catalog: setting %s of application %s is declared twice", s.Name, s.ApplicationID)
		}
		def, err := s.NormalizeValue(s.Default)
		if err != nil {
			return nil, fmt.Errorf("catalog: default of setting %s: %w", s.Name, err)
		}
		c.Settings[i].Default = def
		c.settings[k] = i
		c.appSets[s.ApplicationID] = append(c.appSets[s.ApplicationID], i)
	}

	for i, e := range c.EditionDefs {
		k := catalogKey{e.ApplicationID, e.Name}
		switch {
		case !c.known(e.ApplicationID):
			return nil, fmt.Errorf("catalog: edition %s belongs to unknown application %q", e.Name, e.ApplicationID)
		case e.Name == "":
			return nil, fmt.Errorf("catalog: an edition of application %s has no name", e.ApplicationID)
		case !validBilling(e.Billing):
			return nil, fmt.Errorf("catalog: edition %s has unknown billing %q", e.Name, e.Billing)
		}
		if _, dup := c.editions[k]; dup {
			return nil, fmt.Errorf("catalog: edition %s of application %s is declared twice", e.Name, e.ApplicationID)
		}
		c.editions[k] = i
	}

	edUsed := make(map[catalogKey]bool)
	for i, it := range c.Items {
		k := catalogKey{it.ApplicationID, it.Name}
		switch {
		case !c.known(it.ApplicationID):
			return nil, fmt.Errorf("catalog: offering item %s belongs to unknown application %q", it.Name, it.ApplicationID)
		case it.Name == "":
			return nil, fmt.Errorf("catalog: an offering item of application %s has no name", it.ApplicationID)
		case !validItemType(it.Type):
			return nil, fmt.Errorf("catalog: offering item %s has unknown type %q", it.Name, it.Type)
		case !validUnit(it.MeasurementUnit):
			return nil, fmt.Errorf("catalog: offering item %s has unknown measurement unit %q", it.Name, it.MeasurementUnit)
		case (it.Type == ItemFeature) != (it.MeasurementUnit == UnitNA):
			return nil, fmt.Errorf("catalog: offering item %s: only features, and every feature, are measured in %q", it.Name, UnitNA)
		case !usages[catalogKey{it.ApplicationID, it.UsageName}]:
			return nil, fmt.Errorf("catalog: offering item %s measures %q, not a usage of its application", it.Name, it.UsageName)
		}
		if _, dup := c.items[k]; dup {
			return nil, fmt.Errorf("catalog: offering item %s of application %s is declared twice", it.Name, it.ApplicationID)
		}
		if it.Edition != "" {
			ek := catalogKey{it.ApplicationID, it.Edition}
			if _, ok := c.editions[ek]; !ok {
				return nil, fmt.Errorf("catalog: offering item %s names undeclared edition %q", it.Name, it.Edition)
			}
			if !edUsed[ek] {
				c.appEdNames[it.ApplicationID] = append(c.appEdNames[it.ApplicationID], it.Edition)
			}
			edUsed[ek] = true
		}
		c.items[k] = i
		c.appItems[it.ApplicationID] = append(c.appItems[it.ApplicationID], i)
	}
	for _, e := range c.EditionDefs {
		if !edUsed[catalogKey{e.ApplicationID, e.Name}] {
			return nil, fmt.Errorf("catalog: edition %s of application %s has no offering items", e.Name, e.ApplicationID)
		}
	}
	for _, names := range c.appEdNames {
		sort.Strings(names)
	}
	return c, nil
}

func (c *Catalog) known(appID string) bool {
	_, ok := c.apps[appID]
	return ok
}

func validItemType(s string) bool { return s == ItemCount || s == ItemFeature || s == ItemInfra }

func validUnit(s string) bool {
	return s == UnitBytes || s == UnitQuantity || s == UnitSeconds || s == UnitNA
}

// Application returns the application with id.
func (c *Catalog) Application(id string) (Application, bool) {
	i, ok := c.apps[id]
	if !ok {
		return Application{}, false
	}
	a := c.Applications[i]
	a.Usages = slices.Clone(a.Usages)
	return a, true
}

// Setting returns the setting name of application appID.
func (c *Catalog) Setting(appID, name string) (SettingDef, bool) {
	i, ok := c.settings[catalogKey{appID, name}]
	if !ok {
		return SettingDef{}, false
	}
	return c.Settings[i], true
}

// SettingsOf returns the settings of application appID, none for an
// unknown one.
func (c *Catalog) SettingsOf(appID string) []SettingDef {
	out := make([]SettingDef, 0, len(c.appSets[appID]))
	for _, i := range c.appSets[appID] {
		out = append(out, c.Settings[i])
	}
	return out
}

// Item returns the offering item name of application appID.
func (c *Catalog) Item(appID, name string) (OfferingItemDef, bool) {
	i, ok := c.items[catalogKey{appID, name}]
	if !ok {
		return OfferingItemDef{}, false
	}
	return c.Items[i], true
}

// ItemsOf returns the offering items of application appID, none for an
// unknown one.
func (c *Catalog) ItemsOf(appID string) []OfferingItemDef {
	out := make([]OfferingItemDef, 0, len(c.appItems[appID]))
	for _, i := range c.appItems[appID] {
		out = append(out, c.Items[i])
	}
	return out
}

// Editions returns the names of the editions of application appID, sorted;
// none for a service without editions.
func (c *Catalog) Editions(appID string) []string {
	return slices.Clone(c.appEdNames[appID])
}

// HasEditions reports whether application appID has editions.
func (c *Catalog) HasEditions(appID string) bool { return len(c.appEdNames[appID]) > 0 }

// Edition returns the edition name of application appID.
func (c *Catalog) Edition(appID, name string) (EditionDef, bool) {
	i, ok := c.editions[catalogKey{appID, name}]
	if !ok {
		return EditionDef{}, false
	}
	return c.EditionDefs[i], true
}
