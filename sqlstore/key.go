package sqlstore

import (
	"context"

	"github.com/healthcode/healthcode"
)

// CreateSigningKey stores k with its private part sealed and sets k.ID.
func (db *DB) CreateSigningKey(ctx context.Context, k *healthcode.SigningKey) error {
	private, err := db.sealOptional(k.PrivateKey)
	if err != nil {
		return err
	}
	err = db.db.QueryRowContext(ctx, `INSERT INTO signing_keys (kid, alg, public_key, private_key, not_before, not_after, revoked, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		nonNil(k.KID), k.Alg, nonNil(k.PublicKey), private, micros(k.NotBefore), micros(k.NotAfter), k.Revoked, micros(k.CreatedAt)).Scan(&k.ID)
	return db.wrap(err, "create signing key")
}

// SigningKeys returns every key, newest first, private parts opened.
func (db *DB) SigningKeys(ctx context.Context) ([]*healthcode.SigningKey, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, kid, alg, public_key, private_key, not_before, not_after, revoked, created_at
		FROM signing_keys ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, db.wrap(err, "list signing keys")
	}
	defer rows.Close()
	var keys []*healthcode.SigningKey
	for rows.Next() {
		var k healthcode.SigningKey
		var private []byte
		var notBefore, notAfter, created int64
		if err := rows.Scan(&k.ID, &k.KID, &k.Alg, &k.PublicKey, &private, &notBefore, &notAfter, &k.Revoked, &created); err != nil {
			return nil, db.wrap(err, "scan signing key")
		}
		if private != nil {
			if k.PrivateKey, err = db.box.Open(private); err != nil {
				return nil, err
			}
		}
		k.NotBefore, k.NotAfter, k.CreatedAt = fromMicros(notBefore), fromMicros(notAfter), fromMicros(created)
		keys = append(keys, &k)
	}
	return keys, db.wrap(rows.Err(), "list signing keys")
}

// UpdateSigningKey writes what changes over a key's life: its validity
// window and revocation. The key material never changes.
func (db *DB) UpdateSigningKey(ctx context.Context, k *healthcode.SigningKey) error {
	res, err := db.db.ExecContext(ctx, `UPDATE signing_keys SET not_before = $2, not_after = $3, revoked = $4 WHERE id = $1`,
		k.ID, micros(k.NotBefore), micros(k.NotAfter), k.Revoked)
	if err != nil {
		return db.wrap(err, "update signing key")
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "update signing key")
	} else if n == 0 {
		return notFound("signing key")
	}
	return nil
}

// sealOptional seals b, keeping "none" as NULL.
func (db *DB) sealOptional(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	return db.box.Seal(b)
}
