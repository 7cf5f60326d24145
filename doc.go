// Package healthcode holds the domain of a Healthcode region node: people,
// declarations, records, statuses, keys and tokens, and the interfaces that
// the store and the application services implement.
//
// It imports nothing but the standard library so that every other package
// (the store, the HTTP layer, the status engine) can depend on it.
package healthcode
