import { env } from "cloudflare:test";
import { mintToken } from "../../src/lib/tokens";
import { PERMISSIONS, roleKeyOf, type Permission } from "../../src/domain/permissions";
import { sessions } from "../../src/db/schema";
import { newSession } from "../../src/services/auth/sessions";
import { get, post } from "./api";
import { seedDelivery, seedEndpoint } from "./webhooks";
import { addMember, createKey, createRole, db, SEEDED_PASSWORD, signUp, uniqueEmail, type Owner } from "./factories";
import { currentCode, enableMfa } from "./mfa";
import { newId } from "../../src/lib/ids";

/**
 * Fixtures for the auth and tenant matrix (test/app/access-matrix.test.ts). Everything is built
 * lazily and once per organization (roles), or fresh per case (callers and targets), so a case that
 * changes state (sign-out, DELETE) cannot disturb another.
 */

/** An organization with its Admin and two roles that grant nothing (safe targets for anyone). */
export interface Org {
  id: string;
  admin: Owner;
}

export const NEUTRAL_ROLE = "Nobody";
export const OTHER_NEUTRAL_ROLE = "Nobody Two";

let seq = 0;
const lastEndpoint = new Map<string, string>();
const orgs = new Map<string, Promise<Org>>();
const roles = new Map<string, Promise<unknown>>();

/** Organization `label` ("A" acts, "B" is the other tenant), created on first use. */
export function org(label: "A" | "B"): Promise<Org> {
  let made = orgs.get(label);
  if (!made) {
    made = (async () => {
      const admin = await signUp({ organizationName: `Matrix ${label}` });
      const created: Org = { id: admin.organization.id, admin };
      await ensureRole(created, NEUTRAL_ROLE, []);
      await ensureRole(created, OTHER_NEUTRAL_ROLE, []);
      return created;
    })();
    orgs.set(label, made);
  }
  return made;
}

/** A custom role of `org`, created on first use; returns its name. */
async function ensureRole(target: Org, name: string, permissions: readonly Permission[]): Promise<string> {
  const key = `${target.id}:${name}`;
  if (!roles.has(key)) roles.set(key, createRole(target.admin.token, name, [...permissions]));
  await roles.get(key);
  return name;
}

/** What an operation declares its caller must hold (`x-permission` / `x-required-role`). */
export type Requirement = { kind: "permission"; permission: Permission } | { kind: "admin" } | { kind: "super_admin" } | { kind: "none" };

export type CredentialKind = "session" | "api_key";

/** A role name of `target` that grants exactly what `requirement` asks for, or everything but it. */
async function roleFor(target: Org, requirement: Requirement, holding: boolean): Promise<string> {
  switch (requirement.kind) {
    case "permission": {
      const p = requirement.permission;
      return holding
        ? ensureRole(target, `Only ${p}`, [p])
        : ensureRole(
            target,
            `All but ${p}`,
            PERMISSIONS.filter((q) => q !== p),
          );
    }
    case "admin":
      // Every permission, but not the Admin role itself.
      return holding ? "Admin" : ensureRole(target, "Every permission", PERMISSIONS);
    case "none":
      return NEUTRAL_ROLE;
    case "super_admin":
      throw new Error("a Super Admin is a flagged user, not a role: use superAdminSession()");
  }
}

/** A fresh credential of `kind` in `target` whose role holds (or lacks) exactly the requirement. */
export async function callerFor(target: Org, requirement: Requirement, holding: boolean, kind: CredentialKind): Promise<string> {
  if (requirement.kind === "super_admin") {
    return holding ? superAdminSession(target) : (await addMember(target.id, "admin", "org-admin")).token;
  }
  const role = await roleFor(target, requirement, holding);
  if (kind === "api_key") return (await createKey(target.admin.token, role)).key;
  return (await addMember(target.id, roleKeyOf(role), "caller")).token;
}

/**
 * A fresh session of a member of `target` whose address is not verified, holding what `requirement`
 * asks for (so that the address is the only thing wrong with it), or a role granting nothing.
 */
export async function unverifiedSession(target: Org, requirement: Requirement = { kind: "none" }): Promise<string> {
  const role = await roleFor(target, requirement, true);
  return (await addMember(target.id, roleKeyOf(role), "unverified", { emailVerified: false })).token;
}

/** A fresh Admin credential of `target`: allowed everything the organization's routes do. */
export async function adminOf(target: Org, kind: CredentialKind): Promise<string> {
  return kind === "api_key" ? (await createKey(target.admin.token, "Admin")).key : (await addMember(target.id, "admin", "admin")).token;
}

/** A member of `target` made Super Admin the only way there is: a direct D1 write, before any request. */
async function superAdminSession(target: Org): Promise<string> {
  const { token, user } = await addMember(target.id, roleKeyOf(NEUTRAL_ROLE), "super");
  await env.DB.prepare("UPDATE users SET is_super_admin = 1 WHERE id = ?").bind(user.id).run();
  return token;
}

/** Credentials that must all get the same 401: wrong shape, wrong checksum, right shape but unknown. */
export function badCredentials(): { name: string; token: string }[] {
  const key = mintToken("apiKey");
  const flipped = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
  return [
    { name: "garbage API key", token: "ork_garbage" },
    { name: "API key with a bad checksum", token: flipped },
    { name: "unknown session", token: mintToken("session") },
  ];
}

/**
 * How to make the resource a path parameter names, keyed by the path segment before it
 * (`/api/organizations/members/{memberId}` → `members`). Each call makes a fresh one in `target`
 * that any caller allowed by the route may act on (it holds or grants no permission). A route with
 * a new kind of path parameter needs an entry here, and the matrix says so.
 */
export const RESOURCES: Record<string, (target: Org, callerToken?: string) => Promise<string>> = {
  members: async (target) => (await addMember(target.id, roleKeyOf(NEUTRAL_ROLE), "target")).member.id,
  roles: async (target) => (await createRole(target.admin.token, `Spare ${seq++}`, [])).id,
  invitations: async (target) => {
    const res = await post(
      "/api/organizations/invitations",
      { email: uniqueEmail("invitee"), role: NEUTRAL_ROLE },
      { token: target.admin.token },
    );
    if (res.status !== 201) throw new Error(`invitation fixture failed: ${res.status} ${res.text}`);
    return res.body.id;
  },
  "api-keys": async (target) => (await createKey(target.admin.token, NEUTRAL_ROLE)).id,
  // A user's own sessions: another session of the caller (or of the org's Admin, when the caller is
  // not a session or the case is another tenant's), since a session id is scoped to its user.
  sessions: async (target, callerToken) => {
    const me = callerToken ? await get("/api/auth/session", { token: callerToken }) : null;
    const userId = me?.status === 200 ? me.body.user.id : target.admin.user.id;
    const session = await newSession(userId, target.id);
    await db().insert(sessions).values(session.row);
    return session.row.id;
  },
  // Any change records an event; a custom role's creation is the cheapest.
  events: async (target) => {
    const role = await createRole(target.admin.token, `Eventful ${seq++}`, []);
    const res = await get("/api/organizations/me/events?type=role.created&limit=5", { token: target.admin.token });
    const event = res.body.data.find((e) => e.data.object.id === role.id);
    if (!event) throw new Error(`event fixture failed: ${res.status} ${res.text}`);
    return event.id;
  },
  // A fresh endpoint; the deliveries fixture below adds its delivery to the last one made in the org
  // (params are made left to right: {id} before {deliveryId}).
  // The matrix's cases run one at a time: the org's earlier fixtures go, so the 20-endpoint limit never bites.
  webhooks: async (target) => {
    await env.DB.prepare("DELETE FROM webhook_endpoints WHERE organization_id = ?").bind(target.id).run();
    const { id } = await seedEndpoint(target.id, { url: `https://hooks.example.com/matrix/${seq++}` });
    lastEndpoint.set(target.id, id);
    return id;
  },
  deliveries: async (target) => {
    const endpointId = lastEndpoint.get(target.id) ?? (await RESOURCES.webhooks!(target));
    return seedDelivery(target.id, endpointId);
  },
  // Super Admin routes act on any organization: a fresh one, since DELETE removes it. A session
  // caller also joins it as a Member (what leaving one's own organization needs; the Super Admin
  // routes are indifferent to it).
  organizations: async (_target, callerToken) => {
    const id = (await signUp({ organizationName: "Matrix target" })).organization.id;
    const me = callerToken ? await get("/api/auth/session", { token: callerToken }) : null;
    if (me?.status === 200) {
      await env.DB.prepare("INSERT INTO members (id, organization_id, user_id, role_key, created_at) VALUES (?, ?, ?, 'member', ?)")
        .bind(newId("mem"), id, me.body.user.id, Date.now())
        .run();
    }
    return id;
  },
};

/**
 * A valid request body for the operations whose body has required fields, keyed by
 * `METHOD path`: one any caller allowed by the route may send (no role that would be an
 * escalation). Operations not listed get `{}` if they take a JSON body at all.
 */
export const BODIES: Record<string, (target: Org) => unknown> = {
  "PUT /api/auth/session/organization": (target) => ({ organizationId: target.id }),
  "PATCH /api/organizations/members/{memberId}": () => ({ role: OTHER_NEUTRAL_ROLE }),
  "POST /api/organizations/roles": () => ({ name: `Matrix role ${seq++}`, permissions: [] }),
  "PATCH /api/organizations/roles/{id}": () => ({ description: "Edited by the access matrix." }),
  "POST /api/organizations/invitations": () => ({ email: uniqueEmail("invitee"), role: NEUTRAL_ROLE }),
  "POST /api/organizations/api-keys": () => ({ name: "Matrix key", role: NEUTRAL_ROLE }),
  // Subscribed to what webhooks.create alone may read (the default, every type, needs every read permission).
  "POST /api/organizations/webhooks": () => ({ url: `https://hooks.example.com/matrix/${seq++}`, eventTypes: ["organization.*"] }),
  "POST /api/auth/password": () => ({ currentPassword: SEEDED_PASSWORD, newPassword: "another-strong-password" }),
  "POST /api/auth/sign-up": () => ({ email: uniqueEmail("public"), password: "a-strong-password", name: "Public Caller" }),
  "POST /api/organizations": () => ({ name: `Matrix created ${seq++}` }),
  "DELETE /api/users/me": () => ({ password: SEEDED_PASSWORD }),
  "POST /api/auth/mfa/totp": () => ({ password: SEEDED_PASSWORD }),
  // The code of the caller CALLERS enrolled last (a code of no secret for the cases that fail before).
  "POST /api/auth/mfa/totp/confirm": () => ({ code: mfaFixture.secret ? currentCode(mfaFixture.secret) : "000000" }),
  "DELETE /api/auth/mfa/totp": () => ({ password: SEEDED_PASSWORD, code: mfaFixture.recoveryCode ?? "000000" }),
};

/** What the MFA callers below enrolled, for the bodies above (the matrix runs its cases one at a time). */
const mfaFixture: { secret?: string; recoveryCode?: string } = {};

/**
 * Operations whose success needs a caller in a particular state (beyond its role), keyed by
 * `METHOD path`: the caller of the "allowed" case is made here instead.
 */
export const CALLERS: Record<string, (target: Org) => Promise<string>> = {
  // Asking for a verification email succeeds only while the address is unverified (else 409).
  "POST /api/auth/email-verification": (target) => unverifiedSession(target),
  // Confirming needs an enrollment; disabling needs MFA on.
  "POST /api/auth/mfa/totp/confirm": async (target) => {
    const { token } = await addMember(target.id, roleKeyOf(NEUTRAL_ROLE), "enrolling");
    const res = await post("/api/auth/mfa/totp", { password: SEEDED_PASSWORD }, { token });
    mfaFixture.secret = res.body.secret;
    return token;
  },
  "DELETE /api/auth/mfa/totp": async (target) => {
    const { token } = await addMember(target.id, roleKeyOf(NEUTRAL_ROLE), "mfa");
    mfaFixture.recoveryCode = (await enableMfa(token, SEEDED_PASSWORD)).recoveryCodes[0];
    return token;
  },
};
