import { asc, eq } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { members, organizations, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../env";
import { ApiError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../../lib/passwords";
import { mintToken, sha256Hex } from "../../lib/tokens";
import { isUniqueViolation } from "../errors-db";
import { ADMIN_ROLE_KEY } from "../permissions/catalog";
import { iso, organizationView, roleRefView, userView } from "../views";
import { SESSION_TTL_MS } from "./credential-upkeep";
import { sessionCaller } from "./guards";
import { sessionScope } from "./authenticate";
import { enforceRateLimit } from "./rate-limit";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** A new session row (to put in a batch) and the token the client gets, shown once. */
export async function newSession(userId: string, activeOrganizationId: string | null, now = Date.now()) {
  const token = mintToken("session");
  const expiresAt = new Date(now + SESSION_TTL_MS);
  const row = {
    id: newId("ses"),
    tokenHash: await sha256Hex(token),
    userId,
    activeOrganizationId,
    expiresAt,
    createdAt: new Date(now),
  };
  return { row, token, expiresAt: expiresAt.toISOString() };
}

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  organizationName?: string;
}

/** Creates the user, a new organization with the user as its Admin, and a session: one batch. */
export async function signUp({ ctx, input, clientIp }: { ctx: RequestContext; input: SignUpInput; clientIp: string }) {
  await enforceRateLimit(ctx.env.RATE_LIMIT_IP, `sign-up:${clientIp}`);
  const email = normalizeEmail(input.email);
  const existing = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
  if (existing) throw new ApiError("email_taken", "An account with this email already exists. Sign in instead.");

  const now = new Date();
  const user = { id: newId("usr"), email, name: input.name, passwordHash: await hashPassword(input.password), isSuperAdmin: false, createdAt: now, updatedAt: now };
  const orgName = input.organizationName ?? `${input.name}'s organization`;
  const org = { id: newId("org"), name: orgName, nameSearch: orgName.toLowerCase(), logo: null, timezone: "UTC", createdAt: now, updatedAt: now };
  const member = { id: newId("mem"), organizationId: org.id, userId: user.id, roleKey: ADMIN_ROLE_KEY, createdAt: now };
  const session = await newSession(user.id, org.id, now.getTime());
  try {
    await ctx.db.batch([
      ctx.db.insert(users).values(user),
      ctx.db.insert(organizations).values(org),
      ctx.db.insert(members).values(member),
      ctx.db.insert(sessions).values(session.row),
    ]);
  } catch (error) {
    if (isUniqueViolation(error, "users.email")) throw new ApiError("email_taken", "An account with this email already exists. Sign in instead.");
    throw error;
  }
  return {
    user: userView(user),
    organization: organizationView({ ...org, createdAt: now.getTime(), updatedAt: now.getTime() }),
    session: { token: session.token, expiresAt: session.expiresAt },
  };
}

/**
 * Email + password → session. Unknown email and wrong password give the same 401 after the same
 * work (a PBKDF2 run against a dummy hash), so neither the answer nor its timing tells them apart.
 */
export async function signIn({ ctx, input, clientIp }: { ctx: RequestContext; input: { email: string; password: string }; clientIp: string }) {
  const email = normalizeEmail(input.email);
  await enforceRateLimit(ctx.env.RATE_LIMIT_IP, `sign-in:${clientIp}`);
  await enforceRateLimit(ctx.env.RATE_LIMIT_EMAIL, `sign-in:${email}`);

  const user = await ctx.db.select().from(users).where(eq(users.email, email)).get();
  const valid = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !valid) throw new ApiError("unauthenticated", "Email or password is incorrect.");

  // The active organization: the one the user joined first.
  const first = await ctx.db
    .select({ organizationId: members.organizationId })
    .from(members)
    .where(eq(members.userId, user.id))
    .orderBy(asc(members.id))
    .limit(1)
    .get();
  const session = await newSession(user.id, first?.organizationId ?? null);
  await ctx.db.insert(sessions).values(session.row);
  return { user: userView(user), session: { token: session.token, expiresAt: session.expiresAt } };
}

/** Revokes the calling session: gone from D1, this isolate and KV before the 204 is sent. */
export async function signOut({ ctx }: { ctx: RequestContext }) {
  const principal = sessionCaller(ctx);
  await ctx.db.delete(sessions).where(eq(sessions.id, principal.sessionId)).run();
  await authCache.invalidateCredential(ctx, principal.tokenHash);
}

export function sessionView({ ctx }: { ctx: RequestContext }) {
  const principal = sessionCaller(ctx);
  const scope = principal.scope;
  return {
    user: userView(principal.user),
    organization: scope ? organizationView(scope.organization) : null,
    role: scope ? roleRefView(scope.role) : null,
    expiresAt: iso(principal.expiresAt),
    isSuperAdmin: principal.user.isSuperAdmin,
  };
}

/** Makes another organization the session's active one; the caller must be a member (else 404). */
export async function switchOrganization({ ctx, input }: { ctx: RequestContext; input: { organizationId: string } }) {
  const principal = sessionCaller(ctx);
  const scope = await sessionScope(ctx, input.organizationId, principal.user.id);
  if (!scope) throw notFound("Organization");
  await ctx.db
    .update(sessions)
    .set({ activeOrganizationId: input.organizationId })
    .where(eq(sessions.id, principal.sessionId))
    .run();
  await authCache.invalidateCredential(ctx, principal.tokenHash);
  ctx.principal = { ...principal, activeOrganizationId: input.organizationId, scope };
  return sessionView({ ctx });
}
