package sqlstore

import (
	"context"
	"strconv"
	"time"

	"github.com/healthcode/healthcode"
)

// FindScanHolders is FindScanHolder for many people by id in one query:
// the checkpoints of a busy node read the holders of the scans in flight
// together. The result is in the order of personIDs, nil where there is
// no such person or no stored status.
func (db *DB) FindScanHolders(ctx context.Context, personIDs []int64, withStatus bool, now time.Time) ([]*healthcode.ScanHolder, error) {
	out := make([]*healthcode.ScanHolder, len(personIDs))
	if len(personIDs) == 0 {
		return out, nil
	}
	index := make(map[int64][]int, len(personIDs))
	list := make([]byte, 0, len(personIDs)*8)
	for i, id := range personIDs {
		if _, ok := index[id]; !ok {
			if len(index) > 0 {
				list = append(list, ',')
			}
			list = strconv.AppendInt(list, id, 10)
		}
		index[id] = append(index[id], i)
	}
	if len(index) == 1 {
		// One person: the single-row statement is cheaper than a list.
		h, err := db.FindScanHolder(ctx, personIDs[0], nil, withStatus, now)
		if healthcode.ErrorCode(err) == healthcode.ENOTFOUND {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		for _, i := range index[personIDs[0]] {
			hc := *h
			out[i] = &hc
		}
		return out, nil
	}
	stmt, err := db.prepared(ctx, scanHolderQuery(withStatus)+`p.id `+db.inIDs(1))
	if err != nil {
		return nil, db.wrap(err, "find scan holders")
	}
	rows, err := stmt.QueryContext(ctx, db.idsArg(string(list)))
	if err != nil {
		return nil, db.wrap(err, "find scan holders")
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHolder(rows, withStatus, now)
		if err != nil {
			return nil, db.wrap(err, "scan holder")
		}
		for _, i := range index[h.PersonID] {
			hc := *h
			out[i] = &hc
		}
	}
	return out, db.wrap(rows.Err(), "find scan holders")
}
