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

// txStmt returns the statement of query bound to tx: prepared once for
// the database and kept, like queryRow's. The first time, it is prepared
// on tx's own connection for this transaction only, while a goroutine
// prepares the kept one: preparing on the database takes a connection of
// the pool, and with every connection held by a transaction waiting here
// none would come free.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)), nil
	}
	k := preparingKey{db, query}
	if _, busy := preparing.LoadOrStore(k, true); !busy {
		go func() {
			defer preparing.Delete(k)
			db.prepared(context.Background(), query)
		}()
	}
	return tx.PrepareContext(ctx, query)
}

// preparing holds the statements being prepared in the background.
var preparing sync.Map // preparingKey → true

type preparingKey struct {
	db    *DB
	query string
}

// execRows runs the statement that query(n) makes for n rows over args,
// ncols arguments per row, in chunks of at most full rows, and returns the
// rows changed and the result of the last statement.
func (db *DB) execRows(ctx context.Context, tx *sql.Tx, query func(n int) string, full, ncols int, args []any) (total int64, last sql.Result, err error) {
	for _, n := range rowChunks(len(args)/ncols, full) {
		s, err := db.txStmt(ctx, tx, query(n))
		if err != nil {
			return 0, nil, err
		}
		if last, err = s.ExecContext(ctx, args[:n*ncols]...); err != nil {
			return 0, nil, err
		}
		changed, err := last.RowsAffected()
		if err != nil {
			return 0, nil, err
		}
		total += changed
		args = args[n*ncols:]
	}
	return total, last, nil
}

// The texts use "?" on SQLite: the driver looks the name of each numbered
// parameter up in a list as long as the statement's, which costs a
// statement of thousands of parameters more than running it.

// valuesList writes "($1, $2), ($3, $4)" for rows of ncols parameters,
// the first numbered first+1, in the placeholders of db's dialect.
func (db *DB) valuesList(b *strings.Builder, rows, ncols, first int) {
	valuesList(b, rows, ncols, first, db.dialect.Name != "sqlite")
}

// valuesList is DB.valuesList with $n placeholders when numbered, ? when not.
func valuesList(b *strings.Builder, rows, ncols, first int, numbered bool) {
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		paramList(b, ncols, first+r*ncols, numbered)
		b.WriteByte(')')
	}
}

// paramList writes "$1, $2, $3" (or "?, ?, ?") for n parameters, the first
// numbered first+1.
func paramList(b *strings.Builder, n, first int, numbered bool) {
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if !numbered {
			b.WriteByte('?')
			continue
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
