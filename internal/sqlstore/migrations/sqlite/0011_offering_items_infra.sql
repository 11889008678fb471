-- The infrastructure an offering item of type infra offers storage at. NULL
-- means the catalog's platform storage for the item's service.

ALTER TABLE offering_items ADD COLUMN infra_id TEXT;
CREATE INDEX offering_items_infra ON offering_items (infra_id);
