package http

import (
	_ "embed"
	"net/http"
)

// openAPI describes every route of the route table; a test keeps the two
// in step.
//
//go:embed openapi.json
var openAPI []byte

func handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	w.Write(openAPI)
}
