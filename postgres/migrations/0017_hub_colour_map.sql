-- Way 2 of federation (docs/federation.md): how a region's colours map to
-- the national ones when the hub resolves its codes (a JSON object of
-- colour names, {} for the identity), and the token the hub asks the
-- region's node for live statuses with, sealed (NULL when none).

ALTER TABLE hub_regions ADD COLUMN colour_map TEXT NOT NULL DEFAULT '{}';
ALTER TABLE hub_regions ADD COLUMN endpoint_token BYTEA;
