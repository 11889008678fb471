-- The authentication epoch: a counter that every change able to refuse or
-- alter a token's principal advances, in the transaction of the change.
-- An instance keeps the principals of tokens it authenticated with the
-- epoch they were computed at, and reuses one only while the epoch is
-- unchanged, so a suspension through any instance locks tokens out on
-- every instance from the next request on.

CREATE TABLE auth_epoch (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO auth_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER auth_epoch_tenants_update AFTER UPDATE OF enabled, deleted_at, path ON tenants
WHEN OLD.enabled IS NOT NEW.enabled OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.path IS NOT NEW.path
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_tenants_delete AFTER DELETE ON tenants
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_clients_update AFTER UPDATE OF status, deleted_at, tenant_id ON clients
WHEN OLD.status IS NOT NEW.status OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.tenant_id IS NOT NEW.tenant_id
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_clients_delete AFTER DELETE ON clients
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_users_update AFTER UPDATE OF enabled, disable_after, deleted_at, tenant_id ON users
WHEN OLD.enabled IS NOT NEW.enabled OR OLD.disable_after IS NOT NEW.disable_after
	OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.tenant_id IS NOT NEW.tenant_id
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_users_delete AFTER DELETE ON users
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_policies_insert AFTER INSERT ON access_policies
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_policies_update AFTER UPDATE ON access_policies
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_policies_delete AFTER DELETE ON access_policies
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;

CREATE TRIGGER auth_epoch_revoked_insert AFTER INSERT ON revoked_tokens
BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
