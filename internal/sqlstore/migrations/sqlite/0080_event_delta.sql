-- An event of a change to an object that exists before and after it stores
-- the state after whole and, of the state before, only the fields that
-- differ (before_delta set): the store keeps the object once, not twice.
-- Earlier rows keep both states whole.

ALTER TABLE events ADD COLUMN before_delta INTEGER NOT NULL DEFAULT 0;
