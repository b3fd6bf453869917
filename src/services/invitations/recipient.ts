import { and, eq, gt, sql } from "drizzle-orm";
import { allRows, compile, selectList } from "../../db/hand-sql";
import { authCache } from "../../cache/auth-cache";
import { invitations, organizations, users } from "../../db/schema";
import type { RequestContext } from "../../context";
import { notFound } from "../../lib/errors";
import { decodeCursor, toPage } from "../../lib/pagination";
import { roleIn } from "../permissions/role-in";
import { sessionCaller } from "../auth/guards";
import { isoTime, roleRefView } from "../record-views";
import { assertActionable, effectiveStatus, findByToken, invitationView } from "./internal";
import { previousStatementChanged } from "../events/recorder";
import type { Actor } from "../../domain/event-types";

/** The actor of a decline: the holder of the emailed link, who may have no account. */
const INVITATION_RECIPIENT_ACTOR: Actor = { type: "system", id: null, name: "invitation recipient" };
import { emailNotVerified } from "./accept";
import { UNRESOLVED_ROLE_ID } from "../permissions/resolve";

/** What the recipient sees before accepting. Works for any state, so the page can explain it. */
export async function previewInvitation({ ctx, input }: { ctx: RequestContext; input: { token: string } }) {
  const { invitation, organization } = await findByToken(ctx, input.token);
  const record = await authCache.organization(ctx, organization.id);
  const hasAccount = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, invitation.email)).get();
  return {
    organization: { name: organization.name, logo: organization.logo },
    role: record
      ? roleRefView(roleIn(record, invitation.roleKey))
      : { id: UNRESOLVED_ROLE_ID, name: invitation.roleKey, source: "organization" as const },
    email: invitation.email,
    invitedBy: { type: invitation.inviterType, id: invitation.inviterId, name: invitation.inviterName },
    expiresAt: isoTime(invitation.expiresAt),
    status: effectiveStatus(invitation),
    hasAccount: hasAccount !== undefined,
  };
}

/** The recipient says no: the invitation becomes revoked. No sign-in needed (the token is the proof). */
export async function declineInvitation({ ctx, input }: { ctx: RequestContext; input: { token: string } }) {
  const { invitation } = await findByToken(ctx, input.token);
  assertActionable(invitation);
  const organization = await authCache.organization(ctx, invitation.organizationId);
  const view = organization
    ? invitationView({ ...invitation, status: "revoked" }, organization)
    : { id: invitation.id, email: invitation.email, status: "revoked" };
  const [[declined]] = await ctx.db.batch([
    ctx.db
      .update(invitations)
      .set({ status: "revoked" })
      .where(and(eq(invitations.id, invitation.id), eq(invitations.tokenHash, invitation.tokenHash), eq(invitations.status, "pending")))
      .returning({ id: invitations.id }),
    // Whoever holds the link declines, signed in or not: the platform records it on their behalf.
    ctx.events.record(
      "invitation.declined",
      view,
      { status: "pending" },
      {
        organizationId: invitation.organizationId,
        actor: INVITATION_RECIPIENT_ACTOR,
        when: previousStatementChanged,
      },
    ),
  ]);
  if (!declined) throw notFound("Invitation");
}

const recipientColumns = {
  id: invitations.id,
  roleKey: invitations.roleKey,
  inviterType: invitations.inviterType,
  inviterId: invitations.inviterId,
  inviterName: invitations.inviterName,
  expiresAt: invitations.expiresAt,
  createdAt: invitations.createdAt,
  organizationId: organizations.id,
  organizationName: organizations.name,
  organizationLogo: organizations.logo,
};

/** Pending invitations addressed to the signed-in user's email (verified addresses only), newest last. */
export async function listMyInvitations({ ctx, input }: { ctx: RequestContext; input: { limit: number; cursor?: string } }) {
  const principal = sessionCaller(ctx);
  // An address nobody has proved sees nothing addressed to it.
  if (!principal.user.emailVerified) throw emailNotVerified();
  const after = decodeCursor(input.cursor, "inv");
  const now = new Date();
  const where = and(
    eq(invitations.email, principal.user.email),
    eq(invitations.status, "pending"),
    gt(invitations.expiresAt, now),
    after ? gt(invitations.id, after) : undefined,
  );
  // INDEXED BY pins the keyset index (email, status, id): without statistics the planner prefers the
  // sweep's (status, expires_at) index, every organization's pending invitations, and sorts them.
  const rows = await allRows(
    ctx.d1,
    compile(
      sql`SELECT ${selectList(recipientColumns)} FROM ${invitations} INDEXED BY invitations_email_status_id_idx JOIN ${organizations} ON ${organizations.id} = ${invitations.organizationId} WHERE ${where} ORDER BY ${invitations.id} LIMIT ${input.limit + 1}`,
    ),
    recipientColumns,
  );
  const page = toPage(rows, input.limit);
  const orgIds = [...new Set(page.data.map((row) => row.organizationId))];
  const records = new Map(await Promise.all(orgIds.map(async (id) => [id, await authCache.organization(ctx, id)] as const)));
  return {
    data: page.data.map((row) => ({
      id: row.id,
      organization: { id: row.organizationId, name: row.organizationName, logo: row.organizationLogo },
      role: roleRefView(roleIn(records.get(row.organizationId)!, row.roleKey)),
      invitedBy: { type: row.inviterType, id: row.inviterId, name: row.inviterName },
      expiresAt: isoTime(row.expiresAt),
      createdAt: isoTime(row.createdAt),
    })),
    nextCursor: page.nextCursor,
  };
}
