-- Way 3 of federation (docs/federation.md): a region of mode national runs
-- no node; the hub issues its people's codes, judged by the region's policy
-- (the JSON `serve --policy` takes), '' for the national default.

ALTER TABLE hub_regions ADD COLUMN policy TEXT NOT NULL DEFAULT '';
