// Type-checked (tsc --noEmit) against the types openapi-typescript generates
// from the document Waymark serves (generated/schema.d.ts, made by
// internal/httpapi's TestGeneratedClients): what an integrator writes must
// compile. It is not run.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

type Schemas = components["schemas"];

const api = createClient<paths>({
  baseUrl: "https://waymark.example",
  headers: { Authorization: "Bearer wmk_…" },
});

export async function scenario(): Promise<void> {
  // Money is a number; an account needs only its name.
  const created = await api.POST("/api/v1/accounts", {
    body: { name: "Acme Steel", annual_value: 1234567.89, tier: "A" },
  });
  if (!created.data) throw new Error(created.error?.detail);
  const value: number = created.data.annual_value;

  // A contact's language and opt-out have defaults: they may be left out.
  const contact: Schemas["ContactCreate"] = { account_id: created.data.id, name: "Ada", email: "ada@acme.example" };
  await api.POST("/api/v1/contacts", { body: contact });
  await api.POST("/api/v1/contacts", { body: { account_id: "ext:CRM-1", name: "Bo", email: "bo@acme.example" } });

  // So may a user's disabled flag.
  const user: Schemas["UserCreate"] = { email: "max@example.com", name: "Max", role: "member" };
  await api.POST("/api/v1/users", { body: user });

  // Indicators are a map of named values.
  const started = await api.POST("/api/v1/cases", {
    body: { journey_id: 1, account_id: "ext:CRM-1", indicators: { amount: 5000000, country: "DE", pep: false } },
  });
  if (started.data) {
    const amount: unknown = started.data.indicators["amount"];
    const cell: Schemas["CellMember"][] = started.data.cell; // never null
    void amount, cell;
  }

  // Read by path parameter, list with a cursor, delete with cascade.
  const one = await api.GET("/api/v1/accounts/{id}", { params: { path: { id: "ext:CRM-1" } } });
  if (one.error) {
    const fields: string[] = one.error.errors.map((e) => e.field);
    void fields;
  }
  let cursor: string | undefined;
  do {
    const page = await api.GET("/api/v1/accounts", { params: { query: { limit: 100, cursor } } });
    if (!page.data) break;
    cursor = page.data.next_cursor || undefined;
  } while (cursor);
  await api.DELETE("/api/v1/accounts/{id}", { params: { path: { id: "ext:CRM-1" }, query: { cascade: true } } });
  void value;
}
