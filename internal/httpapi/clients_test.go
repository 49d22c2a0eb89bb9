package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestGeneratedClients generates clients from the document the server
// serves with the generators integrators use, with their default options:
// Go with oapi-codegen (pinned by go.mod's tool directive), which must
// compile and drive a scenario through the real server, and TypeScript
// with openapi-typescript and openapi-fetch (pinned by clients/ts's
// package-lock.json, installed by `make test`), which must type-check a
// scenario. A change of openapi.yaml that breaks a generator fails here.
func TestGeneratedClients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generators and the Go toolchain")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	e := startAPI(t, "sqlite")
	r := e.req(t, "", "GET", "/api/v1/openapi.json", nil)
	r.expect(t, http.StatusOK)
	doc := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(doc, r.Body, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("go", func(t *testing.T) {
		out := filepath.Join(root, "clients", "go", "client.gen.go")
		run(t, root, nil, "go", "tool", "oapi-codegen", "-generate", "types,client", "-package", "waymarkclient", "-o", out, doc)
		run(t, root, []string{"WAYMARK_API_URL=" + e.url, "WAYMARK_API_TOKEN=" + e.tokens["manager"]},
			"go", "test", "-count=1", "-tags", "clientgen", "./clients/go/")
	})

	t.Run("typescript", func(t *testing.T) {
		dir := filepath.Join(root, "clients", "ts")
		bin := filepath.Join(dir, "node_modules", ".bin")
		if _, err := os.Stat(filepath.Join(bin, "openapi-typescript")); err != nil {
			t.Fatalf("the TypeScript generator is not installed: run `make clients` (npm ci in clients/ts): %v", err)
		}
		run(t, dir, nil, filepath.Join(bin, "openapi-typescript"), doc, "-o", filepath.Join(dir, "generated", "schema.d.ts"))
		run(t, dir, nil, filepath.Join(bin, "tsc"), "-p", ".")
	})
}

// run runs a command in dir and fails the test with its output if it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.Bytes())
	}
	t.Logf("%s %v (%s)", filepath.Base(name), args, time.Since(start).Round(time.Millisecond))
}

// TestDocumentSuitsGenerators holds, for every schema of the document, the
// rules that generated clients need and that no generator error would
// catch: a number says its format (oapi-codegen reads a bare number as
// float32, so money loses digits), an object without properties says what
// its values are (openapi-typescript reads it as an empty record), and a
// request field has no default (openapi-typescript makes it required;
// the description says the value taken instead).
func TestDocumentSuitsGenerators(t *testing.T) {
	doc := mustDocument(t)
	type visit struct {
		s       *openapi3.Schema
		request bool
	}
	seen := map[visit]bool{}
	var walk func(where string, ref *openapi3.SchemaRef, request bool)
	walk = func(where string, ref *openapi3.SchemaRef, request bool) {
		if ref == nil || ref.Value == nil {
			return
		}
		s := ref.Value
		if seen[visit{s, request}] {
			return
		}
		seen[visit{s, request}] = true
		switch {
		case s.Type.Is("number") && s.Format == "":
			t.Errorf("%s: a number without a format (use format: double)", where)
		case s.Type.Is("object") && len(s.Properties) == 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil:
			t.Errorf("%s: an object without properties must say additionalProperties", where)
		}
		if request && s.Default != nil && strings.Contains(where, ".") {
			t.Errorf("%s: a request field with a default comes out required in TypeScript; say the default in its description", where)
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p, request)
		}
		walk(where+"[]", s.Items, request)
		walk(where+"{}", s.AdditionalProperties.Schema, request)
		for i, sub := range append(append(append(openapi3.SchemaRefs{}, s.OneOf...), s.AnyOf...), s.AllOf...) {
			walk(fmt.Sprintf("%s|%d", where, i), sub, request)
		}
	}
	for key, op := range operations(doc) {
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			for ct, mt := range op.RequestBody.Value.Content {
				if ct == "application/json" {
					walk(key+" request", mt.Schema, true)
				}
			}
		}
		for status, resp := range op.Responses.Map() {
			if resp.Value == nil {
				continue
			}
			for ct, mt := range resp.Value.Content {
				walk(key+" "+status+" "+ct, mt.Schema, false)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		walk("components.schemas."+name, s, false)
	}
}
