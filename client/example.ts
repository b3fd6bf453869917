// A short journey with the typed client: sign up, verify the address, read the organization, create
// a role, create an API key with it, list the members with the key. Every request and response is typed from
// client/schema.d.ts (generated from the served document by `npm run client:generate`).
//
//   node --experimental-strip-types client/example.ts http://localhost:8787
//
// `npm run test:client` runs it against a throwaway `wrangler dev`. The address is verified through
// the development outbox (GET /api/dev/outbox, only under `npm run dev`); against another server,
// pass the token from the emailed link as a second argument. Exits 1 on any unexpected answer.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.d.ts";

type Problem = components["schemas"]["Problem"];

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error("usage: node --experimental-strip-types client/example.ts <base URL>");
  process.exit(2);
}

/** The data of a successful call, or a thrown Error naming the problem's code. */
function ok<T>(step: string, result: { data?: T; error?: Problem | unknown; response: Response }): T {
  if (result.data === undefined) {
    const problem = result.error as Partial<Problem> | undefined;
    throw new Error(`${step}: ${result.response.status} ${problem?.code ?? ""} ${problem?.detail ?? ""}`.trim());
  }
  console.log(`${step}: ${result.response.status}`);
  return result.data;
}

const api = createClient<paths>({ baseUrl });
const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// 1. Sign up: a user, an organization in which they are Admin, and a session.
const signedUp = ok(
  "sign up",
  await api.POST("/api/auth/sign-up", {
    body: {
      email: `client-${suffix}@example.com`,
      password: "correct horse battery",
      name: "Client Example",
      organizationName: `Client ${suffix}`,
    },
  }),
);
const asUser = { headers: { authorization: `Bearer ${signedUp.session.token}` } };

// 1b. Prove the address: creating API keys (and webhooks, invitations) needs it. The token is in the
// emailed link (`/verify-email/{token}`); under `npm run dev` that email waits in the outbox.
async function verificationToken(email: string): Promise<string> {
  if (process.argv[3]) return process.argv[3];
  for (let i = 0; i < 60; i++) {
    const outbox = await fetch(`${baseUrl}/api/dev/outbox?to=${encodeURIComponent(email)}`);
    const emails = outbox.ok ? ((await outbox.json()) as { data: { text: string }[] }).data : [];
    const token = emails.map((m) => /\/verify-email\/(vet_[0-9A-Za-z]+)/.exec(m.text)?.[1]).find(Boolean);
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no verification email for ${email}: pass its token as the second argument`);
}
const verified = ok(
  "verify the address",
  await api.POST("/api/auth/email-verification/confirm", { body: { token: await verificationToken(signedUp.user.email) } }),
);
if (!verified.user.emailVerified) throw new Error("the address is still unverified");

// 2. The organization the session acts in.
const organization = ok("read /api/organizations/me", await api.GET("/api/organizations/me", asUser));
if (organization.id !== signedUp.organization.id) throw new Error("the session acts in another organization");

// 3. A role: `permissions` is typed as the permission enum.
const role = ok(
  "create a role",
  await api.POST("/api/organizations/roles", {
    ...asUser,
    body: { name: "Guide", description: "Reads the team.", permissions: ["users.read", "roles.read"] },
  }),
);

// 4. An API key acting with that role; its secret is shown only here.
const apiKey = ok(
  "create an API key",
  await api.POST("/api/organizations/api-keys", { ...asUser, body: { name: "Booking site", role: role.name } }),
);

// 5. The key lists the members (Guide holds users.read).
const members = ok(
  "list members with the key",
  await api.GET("/api/organizations/members", { headers: { authorization: `Bearer ${apiKey.key}` }, params: { query: { limit: 10 } } }),
);
const me = members.data.find((m) => m.user.id === signedUp.user.id);
if (!me || me.role.name !== "Admin") throw new Error("the signed-up user is not listed as Admin");

// A problem comes back typed too: the Guide key may not create roles.
const refused = await api.POST("/api/organizations/roles", {
  headers: { authorization: `Bearer ${apiKey.key}` },
  body: { name: "Nope", permissions: [] },
});
if (refused.response.status !== 403 || refused.error?.code !== "forbidden")
  throw new Error(`expected 403 forbidden, got ${refused.response.status}`);
console.log("a Guide key cannot create roles: 403 forbidden");

console.log(`ok: ${organization.name} has ${members.data.length} member(s); key ${apiKey.start}… acts as ${apiKey.role.name}`);
