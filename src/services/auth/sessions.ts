import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import { authCache } from "../../cache/auth-cache";
import { emailTokens, members, organizations, sessions, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { ApiError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../../lib/passwords";
import { mintToken, sha256Hex } from "../../lib/tokens";
import { isUniqueViolation } from "../../db/tenant-rows";
import { stripForbiddenText } from "../../lib/text";
import { decodeCursor, toPage } from "../../lib/pagination";
import { enqueueAccountEmail, newEmailToken } from "./email-tokens";
import { ADMIN_ROLE_KEY } from "../../domain/permissions";
import { isoTime, memberViewIn, organizationView, roleRefView, userView } from "../record-views";
import { SESSION_TTL_MS } from "./credential-upkeep";
import { sessionCaller } from "./guards";
import { sessionScope } from "./authenticate";
import { enforceRateLimit } from "./rate-limit";
import { startMfaChallenge } from "../mfa/challenge";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Who is calling, as the platform tells us: the client IP (rate limits) and User-Agent (session list). */
export interface Client {
  ip: string;
  userAgent: string | null;
}

/** A User-Agent as we keep it: no control or bidi characters, 256 characters at most. */
export const cleanUserAgent = (value: string | null | undefined) => (value ? stripForbiddenText(value).slice(0, 256) || null : null);

/** A new session's active organization: the one the user joined first (null: none). */
export async function firstOrganizationOf(ctx: RequestContext, userId: string): Promise<string | null> {
  const first = await ctx.db
    .select({ organizationId: members.organizationId })
    .from(members)
    .where(eq(members.userId, userId))
    .orderBy(asc(members.id))
    .limit(1)
    .get();
  return first?.organizationId ?? null;
}

/** A new session row (to put in a batch) and the token the client gets, shown once. */
export async function newSession(userId: string, activeOrganizationId: string | null, now = Date.now(), userAgent: string | null = null) {
  const token = mintToken("session");
  const expiresAt = new Date(now + SESSION_TTL_MS);
  const row = {
    id: newId("ses"),
    tokenHash: await sha256Hex(token),
    userId,
    activeOrganizationId,
    expiresAt,
    createdAt: new Date(now),
    lastUsedAt: new Date(now),
    userAgent: cleanUserAgent(userAgent),
  };
  return { row, token, expiresAt: expiresAt.toISOString() };
}

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  organizationName?: string;
}

const emailTaken = () =>
  new ApiError("email_taken", "An account with this email already exists. Sign in instead, or reset the password if the address is yours.");

/**
 * Creates the user (email not yet verified), a new organization with the user as its Admin, a
 * session and a verification link: one batch; the verification email is queued after it.
 */
export async function signUp({ ctx, input, client }: { ctx: RequestContext; input: SignUpInput; client: Client }) {
  await enforceRateLimit(ctx.env.RATE_LIMIT_IP, `sign-up:${client.ip}`);
  const email = normalizeEmail(input.email);
  const existing = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
  if (existing) throw emailTaken();

  const now = new Date();
  const user = {
    id: newId("usr"),
    email,
    name: input.name,
    passwordHash: await hashPassword(input.password),
    isSuperAdmin: false,
    emailVerified: false,
    emailVerifiedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const orgName = input.organizationName ?? `${input.name}'s organization`;
  const org = { id: newId("org"), name: orgName, logo: null, timezone: "UTC", createdAt: now, updatedAt: now };
  const member = { id: newId("mem"), organizationId: org.id, userId: user.id, roleKey: ADMIN_ROLE_KEY, createdAt: now };
  const session = await newSession(user.id, org.id, now.getTime(), client.userAgent);
  const verification = await newEmailToken(ctx, "verify_email", user, now);
  try {
    await ctx.db.batch([
      ctx.db.insert(users).values(user),
      ctx.db.insert(organizations).values(org),
      ctx.db.insert(members).values(member),
      ctx.db.insert(sessions).values(session.row),
      ctx.db.insert(emailTokens).values(verification.row),
      // The new organization's first event: its first Admin, added by themselves.
      ctx.events.record(
        "member.added",
        memberViewIn(
          { ...org, createdAt: now.getTime(), updatedAt: now.getTime(), roles: [], memberCount: 1 },
          { ...member, joinedAt: now, userId: user.id, email, name: user.name, emailVerified: false },
        ),
        null,
        { organizationId: org.id, actor: { type: "user", id: user.id, name: user.name } },
      ),
    ]);
  } catch (error) {
    if (isUniqueViolation(error, "users.email")) throw emailTaken();
    throw error;
  }
  await enqueueAccountEmail(ctx, verification.message);
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
export async function signIn({ ctx, input, client }: { ctx: RequestContext; input: { email: string; password: string }; client: Client }) {
  const email = normalizeEmail(input.email);
  await enforceRateLimit(ctx.env.RATE_LIMIT_IP, `sign-in:${client.ip}`);
  await enforceRateLimit(ctx.env.RATE_LIMIT_EMAIL, `sign-in:${email}`);

  const user = await ctx.db.select().from(users).where(eq(users.email, email)).get();
  const valid = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !valid) throw new ApiError("unauthenticated", "Email or password is incorrect.");
  // A second factor is due: no session yet, a challenge for POST /api/auth/sign-in/mfa.
  if (user.mfaEnabled) return startMfaChallenge(ctx, user.id);

  const session = await newSession(user.id, await firstOrganizationOf(ctx, user.id), Date.now(), client.userAgent);
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
    expiresAt: isoTime(principal.expiresAt),
    isSuperAdmin: principal.user.isSuperAdmin,
    mfa: principal.mfa,
  };
}

/** Makes another organization the session's active one; the caller must be a member (else 404). */
export async function switchOrganization({ ctx, input }: { ctx: RequestContext; input: { organizationId: string } }) {
  const principal = sessionCaller(ctx);
  const scope = await sessionScope(ctx, input.organizationId, principal.user.id);
  if (!scope) throw notFound("Organization");
  await ctx.db.update(sessions).set({ activeOrganizationId: input.organizationId }).where(eq(sessions.id, principal.sessionId)).run();
  await authCache.invalidateCredential(ctx, principal.tokenHash);
  ctx.principal = { ...principal, activeOrganizationId: input.organizationId, scope };
  return sessionView({ ctx });
}

/** The user's live sessions, newest first. Never a token or its hash; `current` marks the caller's. */
export async function listSessions({ ctx, input }: { ctx: RequestContext; input: { limit: number; cursor?: string } }) {
  const principal = sessionCaller(ctx);
  const before = decodeCursor(input.cursor, "ses");
  const rows = await ctx.db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      expiresAt: sessions.expiresAt,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, principal.user.id), gt(sessions.expiresAt, new Date()), before ? lt(sessions.id, before) : undefined))
    .orderBy(desc(sessions.id))
    .limit(input.limit + 1);
  const page = toPage(rows, input.limit);
  return {
    data: page.data.map((row) => ({
      id: row.id,
      createdAt: isoTime(row.createdAt),
      lastUsedAt: row.lastUsedAt ? isoTime(row.lastUsedAt) : null,
      expiresAt: isoTime(row.expiresAt),
      userAgent: row.userAgent,
      current: row.id === principal.sessionId,
    })),
    nextCursor: page.nextCursor,
  };
}

/** Revokes one of the caller's own sessions (another user's id is a 404): gone from D1 and the cache at once. */
export async function revokeSession({ ctx, input }: { ctx: RequestContext; input: { id: string } }) {
  const principal = sessionCaller(ctx);
  const deleted = await ctx.db
    .delete(sessions)
    .where(and(eq(sessions.id, input.id), eq(sessions.userId, principal.user.id)))
    .returning({ tokenHash: sessions.tokenHash })
    .get();
  if (!deleted) throw notFound("Session");
  await authCache.invalidateCredential(ctx, deleted.tokenHash);
}
