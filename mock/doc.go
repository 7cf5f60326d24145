// Package mock has test doubles of the healthcode service interfaces. Each
// double is a struct with one function field per method: a test sets the
// fields it expects to be called and the rest panic when called.
package mock
