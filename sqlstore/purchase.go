package sqlstore

import (
	"context"

	"github.com/healthcode/healthcode"
)

// DrugPurchases lists registered purchases, oldest first.
func (db *DB) DrugPurchases(ctx context.Context, f healthcode.PurchaseFilter) ([]*healthcode.DrugPurchaseEntry, error) {
	return nil, nil
}
