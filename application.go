package tenantd

// Applications (the API also calls them services) are what a provider sells
// through the tenant tree: Cyber Protection, File Sync & Share and the others.
// Each declares the usage names it reports, the settings it keeps per tenant
// (setting.go) and the offering items a tenant can be given (offering.go).
// The set of applications is fixed: it comes from the catalog (package
// catalog), not from the store.
//
// Decisions:
//   - The ids are the vendor's published ones, the same in every data center,
//     so that scripts that hard-code them run unchanged.
//   - The platform application (Management Portal) is bound to every tenant;
//     the others are bound explicitly or by enabling one of their items.

// Published application ids.
const (
	// PlatformAppID is the Management Portal, bound to every tenant. Its
	// settings, PromoteHigherEditions among them, apply to the whole platform.
	PlatformAppID = "7459244f-68f3-3bf4-9f53-5f63ecc1d91f"
	// BackupAppID is Cyber Protection (type backup).
	BackupAppID = "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb"
	// FilesCloudAppID is File Sync & Share (type files_cloud).
	FilesCloudAppID = "dfd85a5f-a464-32ab-81fd-99bcc66a070f"
	// NotaryAppID is Notary (type notary).
	NotaryAppID = "f9c5744e-bd1a-36b6-b0f0-ecd7483e1796"
	// PhysicalDataShippingAppID is Physical Data Shipping (type
	// physical_data_shipping).
	PhysicalDataShippingAppID = "b71b2c18-590a-303c-9d5a-8444fbe713ac"
	// HCIAppID is the hyper-converged infrastructure service (type hci).
	HCIAppID = "cc29685d-a9ca-3e87-a83d-069f18b588f0"
)

// Application types of the API.
const (
	AppTypeBackup               = "backup"
	AppTypeFilesCloud           = "files_cloud"
	AppTypeMonitoring           = "monitoring"
	AppTypeStorage              = "storage"
	AppTypePlatform             = "platform"
	AppTypeHCI                  = "hci"
	AppTypePhysicalDataShipping = "physical_data_shipping"
	AppTypeNotary               = "notary"
)

// ValidAppType reports whether s is an application type of the API.
func ValidAppType(s string) bool {
	switch s {
	case AppTypeBackup, AppTypeFilesCloud, AppTypeMonitoring, AppTypeStorage, AppTypePlatform,
		AppTypeHCI, AppTypePhysicalDataShipping, AppTypeNotary:
		return true
	}
	return false
}

// Application is a service of the platform.
type Application struct {
	ID         string
	Name       string
	Type       string // one of the AppType* constants
	APIBaseURL string // path of the service's own API, "/bc/" for backup
	// Usages are the usage names the service reports. Every offering item
	// of the service measures one of them.
	Usages []string
}
