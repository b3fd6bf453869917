// The same API through a second generator, @hey-api/openapi-ts (its SDK over fetch, generated into
// client/hey-api/ by `npm run client:generate:hey-api`, not committed): sign up, verify the address
// through the development outbox, create an API key, read GET /api/organizations/me with the key.
// It is type-checked with `tsc --strict` (client/tsconfig.hey-api.json) and run against a throwaway
// `wrangler dev` by `npm run test:client:hey-api` (scripts/client-hey-api-e2e.mjs).
//
//   node --experimental-strip-types client/hey-api-journey.ts http://localhost:8787
//
// Exits 1 on any unexpected answer.
import { createApiKey, getCurrentOrganization, type Problem, signUp, confirmEmailVerification } from "./hey-api/index.ts";
import { createClient, createConfig, type Auth } from "./hey-api/client/index.ts";

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error("usage: node --experimental-strip-types client/hey-api-journey.ts <base URL>");
  process.exit(2);
}

/**
 * A client acting with one bearer token. The SDK offers every security scheme an operation lists to
 * `auth`; answering only the `http` (bearer) ones keeps a token out of the `session` cookie.
 */
const clientWith = (token?: string) =>
  createClient(createConfig({ baseUrl, auth: (scheme: Auth) => (scheme.type === "http" ? token : undefined) }));

/** The data of a successful call, or a thrown Error naming the problem's code. */
function ok<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    const problem = result.error as Partial<Problem> | undefined;
    throw new Error(`${step}: ${result.response.status} ${problem?.code ?? ""} ${problem?.detail ?? ""}`.trim());
  }
  console.log(`${step}: ${result.response.status}`);
  return result.data;
}

const anonymous = clientWith();
const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// 1. Sign up: a user, an organization in which they are Admin, and a session.
const signedUp = ok(
  "sign up",
  await signUp({
    client: anonymous,
    body: {
      email: `hey-api-${suffix}@example.com`,
      password: "correct horse battery",
      name: "Hey API Journey",
      organizationName: `Hey API ${suffix}`,
    },
  }),
);
const asUser = clientWith(signedUp.session.token);

// 2. Verify the address with the token from the emailed link, read from the development outbox.
async function verificationToken(email: string): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const outbox = await fetch(`${baseUrl}/api/dev/outbox?to=${encodeURIComponent(email)}`);
    const emails = outbox.ok ? ((await outbox.json()) as { data: { text: string }[] }).data : [];
    const token = emails.map((m) => /\/verify-email\/(vet_[0-9A-Za-z]+)/.exec(m.text)?.[1]).find(Boolean);
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no verification email for ${email} in the development outbox`);
}
const verified = ok(
  "verify the address",
  await confirmEmailVerification({ client: anonymous, body: { token: await verificationToken(signedUp.user.email) } }),
);
if (!verified.user.emailVerified) throw new Error("the address is still unverified");

// 3. An API key acting as Admin; its secret is shown only in this answer.
const apiKey = ok("create an API key", await createApiKey({ client: asUser, body: { name: "Hey API key", role: "Admin" } }));

// 4. The key reads its organization.
const organization = ok("read /api/organizations/me with the key", await getCurrentOrganization({ client: clientWith(apiKey.key) }));
if (organization.id !== signedUp.organization.id) throw new Error("the key acts in another organization");

console.log(`ok: key ${apiKey.start}… (${apiKey.id}) reads ${organization.name}`);
