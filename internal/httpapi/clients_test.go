package httpapi_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
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
