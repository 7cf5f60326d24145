// Package importer reads files of records from data providers (CSV with a
// header of field names, or NDJSON: one JSON object per line) and validates
// every row. It does no I/O beyond the reader it is given and streams: one
// row at a time, so a file of millions of rows never sits in memory.
//
// Two kinds of failure are kept apart. A bad row (a date that is no date,
// an unknown enum value, a document number failing its checksum, an end
// before its start, a result in the future, a missing field, an id given
// twice) is rejected with its line, id, field and reason while the other
// rows land. A malformed file (not UTF-8, not CSV, a wrong header, a line
// that is no JSON object, a truncated last record) is refused whole with
// one error naming the line.
package importer
