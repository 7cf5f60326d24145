package postgres

// A minimal database/sql driver over pgx.Conn. pgx's own adapter
// (pgx/v5/stdlib) imports pgxpool and so github.com/jackc/puddle/v2, which
// this module does not require; this file stands in for it until it does.

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"

	"github.com/jackc/pgx/v5"
)

// connector makes pgx connections for sql.OpenDB.
type connector struct{ config *pgx.ConnConfig }

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, c.config.Copy())
	if err != nil {
		return nil, err
	}
	return &pgConn{conn: conn}, nil
}

func (c *connector) Driver() driver.Driver { return pgDriver{} }

// pgDriver exists because driver.Connector must name one; sql.OpenDB
// never calls its Open.
type pgDriver struct{}

func (pgDriver) Open(name string) (driver.Conn, error) {
	config, err := pgx.ParseConfig(name)
	if err != nil {
		return nil, err
	}
	return (&connector{config: config}).Connect(context.Background())
}

type pgConn struct{ conn *pgx.Conn }

var (
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.Validator          = (*pgConn)(nil)
)

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext defers to pgx, which prepares and caches each statement
// per connection on first use.
func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return &pgStmt{conn: c, query: query}, nil
}

func (c *pgConn) Close() error { return c.conn.Close(context.Background()) }

func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var o pgx.TxOptions
	switch opts.Isolation {
	case driver.IsolationLevel(0):
	case driver.IsolationLevel(2): // sql.LevelReadCommitted
		o.IsoLevel = pgx.ReadCommitted
	case driver.IsolationLevel(4): // sql.LevelRepeatableRead
		o.IsoLevel = pgx.RepeatableRead
	case driver.IsolationLevel(6): // sql.LevelSerializable
		o.IsoLevel = pgx.Serializable
	default:
		return nil, errors.New("postgres: unsupported isolation level")
	}
	if opts.ReadOnly {
		o.AccessMode = pgx.ReadOnly
	}
	tx, err := c.conn.BeginTx(ctx, o)
	if err != nil {
		return nil, err
	}
	return pgTx{tx: tx}, nil
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	tag, err := c.conn.Exec(ctx, query, values(args)...)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.conn.Query(ctx, query, values(args)...)
	if err != nil {
		return nil, err
	}
	return &pgRows{rows: rows}, nil
}

func (c *pgConn) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }

func (c *pgConn) ResetSession(ctx context.Context) error {
	if c.conn.IsClosed() {
		return driver.ErrBadConn
	}
	return nil
}

func (c *pgConn) IsValid() bool { return !c.conn.IsClosed() }

func values(args []driver.NamedValue) []any {
	vs := make([]any, len(args))
	for i, a := range args {
		vs[i] = a.Value
	}
	return vs
}

type pgStmt struct {
	conn  *pgConn
	query string
}

func (s *pgStmt) Close() error  { return nil }
func (s *pgStmt) NumInput() int { return -1 }

func (s *pgStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *pgStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.query, args)
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}

type pgTx struct{ tx pgx.Tx }

func (t pgTx) Commit() error   { return t.tx.Commit(context.Background()) }
func (t pgTx) Rollback() error { return t.tx.Rollback(context.Background()) }

type pgRows struct{ rows pgx.Rows }

func (r *pgRows) Columns() []string {
	fds := r.rows.FieldDescriptions()
	names := make([]string, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
	}
	return names
}

func (r *pgRows) Close() error {
	r.rows.Close()
	return nil
}

func (r *pgRows) Next(dest []driver.Value) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	vals, err := r.rows.Values()
	if err != nil {
		return err
	}
	for i, v := range vals {
		dest[i] = driverValue(v)
	}
	return nil
}

// driverValue narrows pgx's decoded values to the types database/sql
// expects of a driver.
func driverValue(v any) driver.Value {
	switch v := v.(type) {
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case int:
		return int64(v)
	case float32:
		return float64(v)
	}
	return v
}
