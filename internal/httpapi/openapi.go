package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// openAPIYAML is the API's OpenAPI document, written by hand next to the
// handlers it describes; openapi_test.go keeps the two in step.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON loads and validates the document once per process and turns
// it into the JSON served at /api/v1/openapi.json.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("marshal openapi.yaml: %w", err)
	}
	return b, nil
})

// OpenAPI returns the API's OpenAPI document as JSON.
func OpenAPI() ([]byte, error) { return openAPIJSON() }

// serveOpenAPI returns the handler of GET /api/v1/openapi.json. The document
// is embedded, so a broken one is a defect of the build: it stops the
// server at start rather than answering 500 later.
func (s *Server) serveOpenAPI() http.HandlerFunc {
	doc, err := openAPIJSON()
	if err != nil {
		panic("httpapi: " + err.Error())
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(doc)
	}
}
