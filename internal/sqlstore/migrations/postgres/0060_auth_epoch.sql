-- The authentication epoch: a counter that every change able to refuse or
-- alter a token's principal advances, in the transaction of the change.
-- An instance keeps the principals of tokens it authenticated with the
-- epoch they were computed at, and reuses one only while the epoch is
-- unchanged, so a suspension through any instance locks tokens out on
-- every instance from the next request on.

CREATE TABLE auth_epoch (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, n) VALUES (1, 0);

CREATE FUNCTION auth_epoch_advance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
	RETURN NULL;
END;
$$;

-- Once per statement, and for an update only when a row's change matters:
-- an ordinary update of a tenant neither advances it nor waits for the
-- lock of its row; suspending or deleting a subtree advances it once.
CREATE FUNCTION auth_epoch_tenants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
		WHERE o.enabled IS DISTINCT FROM n.enabled OR o.deleted_at IS DISTINCT FROM n.deleted_at OR o.path IS DISTINCT FROM n.path) THEN
		UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
	END IF;
	RETURN NULL;
END;
$$;
CREATE FUNCTION auth_epoch_clients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
		WHERE o.status IS DISTINCT FROM n.status OR o.deleted_at IS DISTINCT FROM n.deleted_at OR o.tenant_id IS DISTINCT FROM n.tenant_id) THEN
		UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
	END IF;
	RETURN NULL;
END;
$$;
CREATE FUNCTION auth_epoch_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
		WHERE o.enabled IS DISTINCT FROM n.enabled OR o.disable_after IS DISTINCT FROM n.disable_after
			OR o.deleted_at IS DISTINCT FROM n.deleted_at OR o.tenant_id IS DISTINCT FROM n.tenant_id) THEN
		UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER auth_epoch_tenants_update AFTER UPDATE ON tenants REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_tenants_changed();
CREATE TRIGGER auth_epoch_tenants_delete AFTER DELETE ON tenants FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_advance();
CREATE TRIGGER auth_epoch_clients_update AFTER UPDATE ON clients REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_clients_changed();
CREATE TRIGGER auth_epoch_clients_delete AFTER DELETE ON clients FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_advance();
CREATE TRIGGER auth_epoch_users_update AFTER UPDATE ON users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_users_changed();
CREATE TRIGGER auth_epoch_users_delete AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_advance();
CREATE TRIGGER auth_epoch_policies AFTER INSERT OR UPDATE OR DELETE ON access_policies
FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_advance();
CREATE TRIGGER auth_epoch_revoked AFTER INSERT ON revoked_tokens
FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_advance();
