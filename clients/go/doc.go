// Package waymarkclient holds a Go client of the Waymark API that
// oapi-codegen generates, at test time, from the OpenAPI document the server
// serves (client.gen.go, not committed), and the scenario that drives it
// against a real server (scenario_test.go, build tag clientgen).
// internal/httpapi's TestGeneratedClients does both; docs/api-clients.md says
// how an integrator generates a client of their own.
package waymarkclient

// The generated code needs the generator's runtime; importing it here
// keeps it in go.mod while client.gen.go is absent.
import _ "github.com/oapi-codegen/runtime"
