// Package hub holds the services of `healthcode hub`, the national hub of
// the federation (DESIGN §5–§6, docs/federation.md): the registry of
// regions and the code-signing keys they publish, and the trust list it
// signs from them. It knows nothing of HTTP; package http serves it.
package hub
