package sqlstore

import (
	"context"
	"database/sql"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// Multi-row statements of the scan log. A statement carries many rows, so
// a batch costs a few statement runs instead of one per row; the sizes are
// a full chunk and powers of two, so a handful of prepared statements
// serve batches of every size (an online batch of 37 scans runs the
// statements of 32, 4 and 1 rows).

// rowChunks splits n rows into statement sizes: chunks of full rows (a
// power of two), then the rest by its binary digits, largest first.
func rowChunks(n, full int) []int {
	var sizes []int
	for ; n >= full; n -= full {
		sizes = append(sizes, full)
	}
	for n > 0 {
		size := 1 << (bits.Len(uint(n)) - 1)
		sizes = append(sizes, size)
		n -= size
	}
	return sizes
}

// txStmt returns the statement of query, prepared once for the database
// and bound to tx.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, s), nil
}

// execRows runs the statement that query(n) makes for n rows over args,
// ncols arguments per row, in chunks of at most full rows, and returns the
// rows changed.
func (db *DB) execRows(ctx context.Context, tx *sql.Tx, query func(n int) string, full, ncols int, args []any) (int64, error) {
	var total int64
	for _, n := range rowChunks(len(args)/ncols, full) {
		s, err := db.txStmt(ctx, tx, query(n))
		if err != nil {
			return 0, err
		}
		res, err := s.ExecContext(ctx, args[:n*ncols]...)
		if err != nil {
			return 0, err
		}
		changed, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		total += changed
		args = args[n*ncols:]
	}
	return total, nil
}

// valuesList is "($1, $2), ($3, $4)" for rows of ncols parameters, the
// first numbered first+1.
func valuesList(b *strings.Builder, rows, ncols, first int) {
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range ncols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(first + r*ncols + c + 1))
		}
		b.WriteByte(')')
	}
}

// paramList is "$1, $2, $3" for n parameters, the first numbered first+1.
func paramList(b *strings.Builder, n, first int) {
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i + 1))
	}
}

// queryTexts memoises the texts of the multi-row statements: a statement
// of a thousand rows is long to build each time.
var queryTexts sync.Map // queryKey → string

type queryKey struct {
	dialect, kind string
	n             int
}

// queryText returns build(n), built once per dialect, kind and n.
func (db *DB) queryText(kind string, n int, build func(n int) string) string {
	k := queryKey{db.dialect.Name, kind, n}
	if q, ok := queryTexts.Load(k); ok {
		return q.(string)
	}
	q, _ := queryTexts.LoadOrStore(k, build(n))
	return q.(string)
}
