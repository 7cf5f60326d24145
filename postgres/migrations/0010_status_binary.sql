-- A stored status is CBOR (see sqlstore/statuscodec.go), which a TEXT
-- column cannot hold. The rows written before keep their JSON bytes; the
-- store tells the two apart by the first byte.
ALTER TABLE statuses ALTER COLUMN status TYPE BYTEA USING convert_to(status, 'UTF8');
