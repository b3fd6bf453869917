import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { permissionCatalog } from "../../src/domain/permissions";
import { STANDING_CHANGED_DETAIL } from "../../src/services/auth/standing";
import { call, expectProblem, get, type ApiResponse, post } from "../helpers/api";
import { addMember, createKey, createRole, seedOrganization, uniqueEmail, type Owner } from "../helpers/factories";
import { invite } from "../helpers/invitations";
import type { Problem } from "../helpers/document";

/**
 * The caller's standing is part of the writing statement. A permission check reads the caller from
 * the auth cache, which trusts an entry for a bounded time; a member removed or demoted, a custom
 * role stripped or a key revoked elsewhere (here: straight in D1, with no cache invalidation — what
 * another isolate's cache still sees) still passes that check. The writes that mint credentials or
 * grant roles re-check the caller inside the statement, so nothing is written, no event recorded,
 * and the caller's stale entries are dropped: its next request is answered as it stands now.
 */

const db = env.DB;
const scalar = async (query: string, ...params: unknown[]) =>
  JSON.stringify(
    (
      await db
        .prepare(query)
        .bind(...params)
        .all()
    ).results,
  );

interface Write {
  name: string;
  /** Whether it creates what acts or reaches beyond the organization (the arming rule applies). */
  arming: boolean;
  /** Makes what the write needs, returns how to send it and what state it would change. */
  prepare(owner: Owner): Promise<{ send(token: string): Promise<ApiResponse<unknown>>; state(): Promise<string> }>;
}

const WRITES: Write[] = [
  {
    name: "API key creation",
    arming: true,
    prepare: async (owner) => ({
      send: (token) => call("POST", "/api/organizations/api-keys", { token, body: { name: "Minted", role: "Member" } }),
      state: () => scalar("SELECT id FROM api_keys WHERE organization_id = ? ORDER BY id", owner.organization.id),
    }),
  },
  {
    name: "invitation",
    arming: true,
    prepare: async (owner) => ({
      send: (token) => call("POST", "/api/organizations/invitations", { token, body: { email: uniqueEmail("invitee"), role: "Member" } }),
      state: () => scalar("SELECT id, status, token_hash FROM invitations WHERE organization_id = ? ORDER BY id", owner.organization.id),
    }),
  },
  {
    name: "invitation resend",
    arming: true,
    prepare: async (owner) => {
      const invitation = await invite(owner.token);
      return {
        send: (token) => call("POST", `/api/organizations/invitations/${invitation.id}`, { token }),
        state: () => scalar("SELECT status, token_hash, expires_at, email_id FROM invitations WHERE id = ?", invitation.id),
      };
    },
  },
  {
    name: "webhook endpoint creation",
    arming: true,
    prepare: async (owner) => ({
      send: (token) => call("POST", "/api/organizations/webhooks", { token, body: { url: "https://hooks.example.com/standing" } }),
      state: () => scalar("SELECT id FROM webhook_endpoints WHERE organization_id = ? ORDER BY id", owner.organization.id),
    }),
  },
  {
    name: "role creation",
    arming: false,
    prepare: async (owner) => ({
      send: (token) => call("POST", "/api/organizations/roles", { token, body: { name: "Fresh role", permissions: ["users.read"] } }),
      state: () => scalar("SELECT id, permissions FROM roles WHERE organization_id = ? ORDER BY id", owner.organization.id),
    }),
  },
  {
    name: "role update",
    arming: false,
    prepare: async (owner) => {
      const role = await createRole(owner.token, "Edited", ["users.read"]);
      return {
        send: (token) =>
          call("PATCH", `/api/organizations/roles/${role.id}`, { token, body: { permissions: ["users.read", "roles.read"] } }),
        state: () => scalar("SELECT name, permissions, updated_at FROM roles WHERE id = ?", role.id),
      };
    },
  },
  {
    name: "member role change",
    arming: false,
    prepare: async (owner) => {
      await createRole(owner.token, "Guide", ["users.read"]);
      const target = await addMember(owner.organization.id, "member", "target");
      return {
        send: (token) => call("PATCH", `/api/organizations/members/${target.member.id}`, { token, body: { role: "Guide" } }),
        state: () => scalar("SELECT role_key FROM members WHERE id = ?", target.member.id),
      };
    },
  },
];

/** An organization with a custom role "Operator" that holds every permission (but is not Admin). */
async function organization(label: string) {
  const owner = await seedOrganization(`${label} Standing Tours`);
  // Every permission of the catalog, the platform's included (a Member holds its .read ones: acting on Members needs them).
  const operator = await createRole(owner.token, "Operator", [...permissionCatalog(env).all] as Parameters<typeof createRole>[2]);
  return { owner, operator };
}

const eventCount = async (organizationId: string) =>
  (await db.prepare("SELECT count(*) AS n FROM events WHERE organization_id = ?").bind(organizationId).first<{ n: number }>())!.n;

interface StaleCase {
  name: string;
  kind: "session" | "api_key";
  /** Only for the writes the arming rule covers. */
  armingOnly?: boolean;
  /** The change made behind the cache's back; returns nothing. */
  change(ids: { organizationId: string; userId?: string; memberId?: string; keyId?: string; operatorId: string }): Promise<unknown>;
  /** What the stale request gets. */
  expected: [status: number, code: Problem["code"], detail?: string];
  /** What the next request gets, once the stale entries are dropped. */
  next: [status: number, code: Problem["code"]];
}

const STALE: StaleCase[] = [
  {
    name: "a member removed",
    kind: "session",
    change: ({ memberId }) => db.prepare("DELETE FROM members WHERE id = ?").bind(memberId).run(),
    expected: [403, "forbidden", STANDING_CHANGED_DETAIL],
    next: [404, "no_active_organization"],
  },
  {
    name: "a member demoted to Member",
    kind: "session",
    change: ({ memberId }) => db.prepare("UPDATE members SET role_key = 'member' WHERE id = ?").bind(memberId).run(),
    expected: [403, "forbidden", STANDING_CHANGED_DETAIL],
    next: [403, "forbidden"],
  },
  {
    name: "a member whose custom role was stripped of every permission",
    kind: "session",
    change: ({ operatorId }) => db.prepare("UPDATE roles SET permissions = '[]' WHERE id = ?").bind(operatorId).run(),
    expected: [403, "forbidden", STANDING_CHANGED_DETAIL],
    next: [403, "forbidden"],
  },
  {
    name: "a member whose address is no longer verified",
    kind: "session",
    armingOnly: true,
    change: ({ userId }) => db.prepare("UPDATE users SET email_verified = 0 WHERE id = ?").bind(userId).run(),
    expected: [403, "forbidden", STANDING_CHANGED_DETAIL],
    next: [403, "email_not_verified"],
  },
  {
    name: "an API key revoked",
    kind: "api_key",
    change: ({ keyId }) => db.prepare("DELETE FROM api_keys WHERE id = ?").bind(keyId).run(),
    expected: [401, "unauthenticated"],
    next: [401, "unauthenticated"],
  },
  {
    name: "an API key expired",
    kind: "api_key",
    change: ({ keyId }) =>
      db
        .prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
        .bind(Date.now() - 1000, keyId)
        .run(),
    expected: [401, "unauthenticated"],
    next: [401, "unauthenticated"],
  },
  {
    name: "an API key moved to the Member role",
    kind: "api_key",
    change: ({ keyId }) => db.prepare("UPDATE api_keys SET role_key = 'member' WHERE id = ?").bind(keyId).run(),
    expected: [403, "forbidden", STANDING_CHANGED_DETAIL],
    next: [403, "forbidden"],
  },
  {
    name: "an API key whose custom role was stripped of every permission",
    kind: "api_key",
    change: ({ operatorId }) => db.prepare("UPDATE roles SET permissions = '[]' WHERE id = ?").bind(operatorId).run(),
    expected: [403, "forbidden", STANDING_CHANGED_DETAIL],
    next: [403, "forbidden"],
  },
];

describe("a caller whose standing changed behind the cache writes nothing", () => {
  for (const write of WRITES) {
    describe(write.name, () => {
      for (const stale of STALE) {
        if (stale.armingOnly && !write.arming) continue;
        it(`${stale.name} → ${stale.expected[0]} ${stale.expected[1]}; nothing written, no event; the next request sees the change`, async () => {
          const { owner, operator } = await organization(`${write.name} ${stale.name}`);
          const orgId = owner.organization.id;
          const { send, state } = await write.prepare(owner);
          let token: string;
          const ids: Parameters<StaleCase["change"]>[0] = { organizationId: orgId, operatorId: operator.id };
          if (stale.kind === "session") {
            const member = await addMember(orgId, "operator", "operator");
            token = member.token;
            Object.assign(ids, { userId: member.user.id, memberId: member.member.id });
          } else {
            const key = await createKey(owner.token, "Operator");
            token = key.key;
            ids.keyId = key.id;
          }
          // The caller's credential, membership, user and organization are now cached on this isolate.
          expect((await get("/api/organizations/me/permissions", { token })).body.permissions["users.update"]).toBe(true);

          await stale.change(ids);
          const before = { state: await state(), events: await eventCount(orgId) };
          const res = await send(token);
          const problem = expectProblem(res, stale.expected[0], stale.expected[1]);
          if (stale.expected[2]) expect(problem.detail).toBe(stale.expected[2]);
          expect(await state(), "the write changed something").toBe(before.state);
          expect(await eventCount(orgId), "an event was recorded").toBe(before.events);

          // The stale entries were dropped: the same request now gets the caller's current answer.
          expectProblem(await send(token), ...stale.next);
          expect(await state()).toBe(before.state);
        });
      }

      it("a caller whose standing did not change is unaffected (the guard is not a false alarm)", async () => {
        const { owner } = await organization(`${write.name} steady`);
        const { send, state } = await write.prepare(owner);
        const member = await addMember(owner.organization.id, "operator", "operator");
        const before = await state();
        const res = await send(member.token);
        expect(res.status, res.text).toBeLessThan(300);
        expect(await state()).not.toBe(before);
      });
    });
  }
});

describe("a role that gained permissions meanwhile still stands", () => {
  it("a key whose custom role was widened (not stripped) still mints", async () => {
    const owner = await seedOrganization("Widened Standing Tours");
    // What a Member holds (its built-ins and the platform's .read ones), so it may mint Member keys.
    const minter = await createRole(owner.token, "Minter", ["api_keys.create", "users.read", "roles.read", "tours.read", "bookings.read"]);
    const key = await createKey(owner.token, "Minter");
    expect((await get("/api/organizations/me", { token: key.key })).status).toBe(200);
    await db
      .prepare("UPDATE roles SET permissions = ? WHERE id = ?")
      .bind(JSON.stringify(["api_keys.create", "users.read", "roles.read", "tours.read", "bookings.read", "webhooks.read"]), minter.id)
      .run();
    const res = await post("/api/organizations/api-keys", { name: "Still fine", role: "Member" }, { token: key.key });
    expect(res.status, res.text).toBe(201);
    expect(await db.prepare("SELECT count(*) AS n FROM api_keys WHERE id = ?").bind(res.body.id).first<{ n: number }>()).toEqual({ n: 1 });
  });
});
