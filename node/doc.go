// Package node implements the application services of a region node
// (healthcode.AuthService, healthcode.CitizenService) over a healthcode.Store:
// sign-in with one-time passwords, profiles, declarations, status evaluation
// with the region's policy, and issuing signed health codes.
//
// Nothing here keeps state in process memory that correctness depends on:
// several nodes may serve one region over one PostgreSQL database. The
// in-memory pieces (the per-address rate limiter, the key cache) only make
// things cheaper or stricter.
package node
