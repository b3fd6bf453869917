import { env } from "cloudflare:test";
import { createDb } from "../../src/db/client";
import { members, organizations, users } from "../../src/db/schema";
import { newId } from "../../src/lib/ids";
import { hashPassword } from "../../src/lib/passwords";
import { newSession } from "../../src/services/auth/sessions";
import { sessions } from "../../src/db/schema";
import { call, post } from "./api";
import type { Schemas } from "./document";
import { testContext } from "./context";
import { authCache } from "../../src/cache/auth-cache";

let counter = 0;
export const uniqueEmail = (label = "user") => `${label}.${Date.now().toString(36)}.${counter++}@example.com`;

type Permission = Schemas["Permission"];
/**
 * The platform's permissions the tests run with (PLATFORM_PERMISSIONS of scripts/lib/dev-vars.mjs):
 * the production document, which client/schema.d.ts is generated from, lists none; the development
 * one the tests are served and checked against lists these (test/platform/platform-permissions.test.ts).
 */
export type DevPlatformPermission = "tours.read" | "tours.write" | "bookings.read" | "bookings.refund";

/** A signed-in Admin of their own organization: the session token, and the user and organization as the API shows them. */
export interface Owner {
  token: string;
  user: Pick<Schemas["User"], "id" | "email" | "name"> & Partial<Pick<Schemas["User"], "emailVerified">>;
  organization: Pick<Schemas["Organization"], "id" | "name">;
}

/**
 * Signs up through the API: a user, their organization (as Admin) and a session. Sign-up makes an
 * unverified account, which cannot arm anything (API keys, webhook endpoints, invitations), so the
 * owner's address is then marked verified, as its emailed link would (a direct D1 write, the user's
 * cached record dropped); `verified: false` keeps the account as sign-up left it.
 */
export async function signUp(
  overrides: { email?: string; password?: string; name?: string; organizationName?: string; verified?: boolean } = {},
): Promise<Owner> {
  const res = await post("/api/auth/sign-up", {
    email: overrides.email ?? uniqueEmail("owner"),
    password: overrides.password ?? "a-strong-password",
    name: overrides.name ?? "Olive Owner",
    ...(overrides.organizationName ? { organizationName: overrides.organizationName } : {}),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${res.text}`);
  const verified = overrides.verified !== false;
  if (verified) await markEmailVerified(res.body.user.id);
  return { token: res.body.session.token, user: { ...res.body.user, emailVerified: verified }, organization: res.body.organization };
}

export const db = () => createDb(env.DB);

/** The user's address marked verified straight in D1, their cached record dropped (isolate and KV). */
export async function markEmailVerified(userId: string) {
  await env.DB.prepare("UPDATE users SET email_verified = 1, email_verified_at = ?1 WHERE id = ?2").bind(Date.now(), userId).run();
  await authCache.invalidateUser(testContext(), userId);
}

/**
 * An organization with an Admin member and a session, written straight to D1: no sign-up, so no
 * verification email is queued (for tests that stub the global fetch the queue producer uses).
 */
export async function seedOrganization(name = "Seeded Org"): Promise<Owner> {
  const now = new Date();
  const organization = { id: newId("org"), name, logo: null, timezone: "UTC", createdAt: now, updatedAt: now };
  await db().insert(organizations).values(organization);
  const admin = await addMember(organization.id, "admin", "admin");
  return { token: admin.token, user: { id: admin.user.id, email: admin.user.email, name: admin.user.name }, organization };
}

/** The password of every user `addMember` makes (hashed once per test file, then reused). */
export const SEEDED_PASSWORD = "a-strong-password";
let seededHash: Promise<string> | undefined;

/**
 * A user who is a member of `organizationId` with `roleKey`, and a session in that org. Written
 * straight to D1 (one password hash per file, reused) — the way a test seeds a big org. Seeded users
 * have a verified address unless asked otherwise: sign-up is where unverified users come from.
 */
export async function addMember(organizationId: string, roleKey = "member", label = "member", options: { emailVerified?: boolean } = {}) {
  const now = new Date();
  const emailVerified = options.emailVerified ?? true;
  const user = {
    id: newId("usr"),
    email: uniqueEmail(label),
    name: `${label} person`,
    passwordHash: await (seededHash ??= hashPassword(SEEDED_PASSWORD)),
    isSuperAdmin: false,
    emailVerified,
    emailVerifiedAt: emailVerified ? now : null,
    createdAt: now,
    updatedAt: now,
  };
  const member = { id: newId("mem"), organizationId, userId: user.id, roleKey, createdAt: now };
  const session = await newSession(user.id, organizationId);
  await db().batch([db().insert(users).values(user), db().insert(members).values(member), db().insert(sessions).values(session.row)]);
  return { token: session.token, user, member };
}

/** An API key created through the API by `token`'s caller. */
export async function createKey(token: string, role: string, extra: Record<string, unknown> = {}) {
  const res = await post("/api/organizations/api-keys", { name: `${role} key`, role, ...extra }, { token });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${res.text}`);
  return res.body as Schemas["ApiKeyWithSecret"];
}

/** An org role created through the API by `token`'s caller. */
export async function createRole(token: string, name: string, permissions: (Permission | DevPlatformPermission)[], description?: string) {
  // Untyped body: a platform permission is in the served (development) document, not the generated types.
  const res = await call("POST", "/api/organizations/roles", {
    token,
    body: { name, permissions, ...(description ? { description } : {}) },
  });
  if (res.status !== 201) throw new Error(`role creation failed: ${res.status} ${res.text}`);
  return res.body as Schemas["Role"];
}
