// Package tenantd holds the domain of tenantd, an account-management server for
// cloud service providers: the tenant tree (root, partners, folders, customers,
// units), the API clients and principals that act on it, and the rules that
// decide what each may see and change.
//
// This package depends on nothing but the standard library. Implementations
// live in subpackages and speak to each other only in the terms defined here:
// internal/sqlstore stores the domain in SQLite or PostgreSQL,
// internal/httpapi serves it as the Account Management API v2, internal/auth
// signs and checks tokens, and cmd/tenantd wires them together.
package tenantd
