import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { invitationsPageQuery, invitationsWalkQuery } from "../../src/services/invitations/list";
import { membersPageQuery, membersWalkQuery } from "../../src/services/members/members";
import { organizationsPageQuery } from "../../src/services/organizations/admin";
import { call } from "../helpers/api";
import { addMember, createKey, signUp, uniqueEmail } from "../helpers/factories";
import { invite } from "../helpers/invitations";
import { superAdmin } from "../helpers/super-admin";

/**
 * Every list query must walk an index (or an FTS5 index) in its keyset order: a plan that scans a
 * table, or sorts in a temporary b-tree, costs in proportion to the table and fails here. The
 * figures belong in the benchmark (bench/README.md); this proves the shape on every run.
 */
type Statement = { sql: string; params: unknown[] };

async function planOf({ sql, params }: Statement): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

/** A full scan of a table (not an FTS5 virtual table, which the planner also words "SCAN"), or a sort. */
const costlySteps = (plan: string[]) =>
  plan.filter((step) => (/^SCAN /.test(step) && !/VIRTUAL TABLE/.test(step)) || /TEMP B-TREE/.test(step));

/**
 * The one sort allowed: `status=expired` merges the stored-expired walk with the pending rows past
 * their expiry that the sweep has not reached yet (read through the sweep's own index, so only
 * those few are sorted, never the organization's live invitations).
 */
const unsweptSort = (plan: string[]) =>
  plan.some((step) => /invitations_status_expires_at_idx \(status=\? AND expires_at<\?\)/.test(step))
    ? plan.filter((step) => step !== "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" && step !== "USE TEMP B-TREE FOR ORDER BY")
    : plan;

async function expectIndexed(statement: Statement) {
  const plan = await planOf(statement);
  expect(costlySteps(unsweptSort(plan)), `${statement.sql}\n${plan.join("\n")}`).toEqual([]);
  return plan;
}

/** The env with every statement D1 receives recorded (SQL and bound values), as countingEnv counts calls. */
function recordingEnv() {
  const statements: Statement[] = [];
  const wrapStatement = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "bind") {
          return (...params: unknown[]) => {
            statements.push({ sql, params });
            return (value as (...a: unknown[]) => D1PreparedStatement).apply(target, params);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const record = <T extends object>(base: T): T =>
    new Proxy(base, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        // Requests read through a D1 session (read replicas): record what runs through it too.
        if (prop === "withSession") return (...args: unknown[]) => record((value as (...a: unknown[]) => object).apply(target, args));
        if (prop === "prepare") {
          return (sql: string) => {
            const statement = wrapStatement((value as (s: string) => D1PreparedStatement).call(target, sql), sql);
            statements.push({ sql, params: [] }); // replaced by the bound version when bind() is called
            return statement;
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return { env: { ...(env as Env), DB: record(env.DB) } as Env, statements };
}

const ORG = "org_01JD3S0M8N9A1B2C3D4E5F6G7H";
const LAST_MEMBER = "mem_01JD3S0M8N9A1B2C3D4E5F6G7H";
const LAST_INVITATION = "inv_01JD3S0M8N9A1B2C3D4E5F6G7H";

describe("query plans of every list", () => {
  it("members: plain, by role, after a cursor, searched (FTS5), searched by role — no scan, no sort", async () => {
    for (const input of [
      {},
      { after: LAST_MEMBER },
      { roleKey: "member" },
      { roleKey: "member", after: LAST_MEMBER },
      { q: "olive" },
      { q: "olive", after: 1234, roleKey: "admin" },
    ]) {
      const plan = await expectIndexed(membersPageQuery({ organizationId: ORG, limit: 20, ...input }));
      expect(plan.join("\n")).toMatch(input.q ? /members_search VIRTUAL TABLE/ : /SEARCH members USING INDEX members_organization_id_/);
    }
  });

  it("members: a small organization's search walks its own rows in rowid order (with a role, after a cursor) — no scan, no sort", async () => {
    for (const input of [{}, { after: 1234 }, { roleKey: "admin", after: 99 }]) {
      const plan = await expectIndexed(membersWalkQuery({ organizationId: ORG, ...input }));
      expect(plan.join("\n")).toMatch(/members_organization_id_rowid_idx/);
    }
  });

  it("invitations: every status filter in keyset order, and the email search (FTS5)", async () => {
    for (const status of [undefined, "pending", "accepted", "revoked", "expired"] as const) {
      for (const after of [undefined, LAST_INVITATION]) {
        await expectIndexed(invitationsPageQuery({ organizationId: ORG, limit: 20, status, after, now: Date.now() }));
      }
      const searched = await expectIndexed(
        invitationsPageQuery({ organizationId: ORG, limit: 20, status, q: "pat@", after: 99, now: Date.now() }),
      );
      expect(searched.join("\n")).toMatch(/invitations_search VIRTUAL TABLE/);
    }
    const accepted = await planOf(invitationsPageQuery({ organizationId: ORG, limit: 20, status: "accepted", now: Date.now() }));
    expect(accepted.join("\n")).toMatch(/invitations_organization_id_status_id_idx \(organization_id=\? AND status=\?/);
  });

  it("invitations: a small organization's search walks its own rows in rowid order (every status filter, after a cursor) — no scan, no sort", async () => {
    for (const status of [undefined, "pending", "accepted", "revoked", "expired"] as const) {
      for (const after of [undefined, 1234]) {
        const plan = await expectIndexed(invitationsWalkQuery({ organizationId: ORG, status, after, now: Date.now() }));
        expect(plan.join("\n")).toMatch(
          after === undefined
            ? /SEARCH invitations USING INDEX invitations_organization_id_rowid_idx \(organization_id=\?\)/
            : /SEARCH invitations USING INDEX invitations_organization_id_rowid_idx \(organization_id=\? AND rowid>\?\)/,
        );
      }
    }
  });

  it("organizations (Super Admin): pages by primary key, search through FTS5, member count stored", async () => {
    await expectIndexed(organizationsPageQuery({ limit: 20 }));
    await expectIndexed(organizationsPageQuery({ limit: 20, after: ORG }));
    const searched = await expectIndexed(organizationsPageQuery({ limit: 20, q: "sunset", after: 7 }));
    expect(searched.join("\n")).toMatch(/organizations_search VIRTUAL TABLE/);
  });

  it("the email consumer's delivery-status update finds the invitation by index", async () => {
    const plan = await planOf({
      sql: "UPDATE invitations SET delivery_status = ?, delivery_error = ? WHERE email_id = ?",
      params: ["sent", null, "eml_x"],
    });
    expect(plan.join("\n")).toMatch(/invitations_email_id_idx/);
    expect(costlySteps(plan)).toEqual([]);
  });

  it("every statement behind the real list and detail routes walks an index", async () => {
    const admin = await superAdmin();
    // The owner stays unverified as sign-up leaves it (its reads are all answered); a verified Admin
    // arms the organization, which an unverified account may not.
    const owner = await signUp({ name: "Plan Owner", organizationName: "Plan Tours", verified: false });
    const colleague = await addMember(owner.organization.id, "admin", "plan-admin");
    await addMember(owner.organization.id, "member", "planned");
    await createKey(colleague.token, "Member");
    await invite(colleague.token, uniqueEmail("plan-invitee"));
    // A verified user with an invitation addressed to them: their GET /api/invitations runs its list
    // (an unverified account's is a 403 before any query).
    const recipient = await signUp({ name: "Plan Recipient", organizationName: "Plan Elsewhere" });
    await invite(colleague.token, recipient.user.email);
    const paths = [
      "/api/organizations/members",
      "/api/organizations/members?role=Member&limit=1",
      "/api/organizations/members?q=plan",
      "/api/organizations/invitations",
      "/api/organizations/invitations?status=pending",
      "/api/organizations/invitations?status=expired",
      "/api/organizations/invitations?q=plan-invitee",
      "/api/organizations/invitations?q=plan-invitee&status=expired",
      "/api/organizations/roles",
      "/api/organizations/api-keys",
      "/api/users/me/organizations",
      "/api/auth/sessions",
    ];
    const recorded: Statement[] = [];
    for (const path of paths) {
      const { env: recording, statements } = recordingEnv();
      const res = await call("GET", path, { token: owner.token, env: recording });
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      recorded.push(...statements);
    }
    for (const path of ["/api/invitations", "/api/invitations?limit=1"]) {
      const { env: recording, statements } = recordingEnv();
      const res = await call("GET", path, { token: recipient.token, env: recording });
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      expect((res.body as { data: { organization: { id: string } }[] }).data.map((row) => row.organization.id)).toEqual([
        owner.organization.id,
      ]);
      recorded.push(...statements);
    }
    for (const path of ["/api/organizations?limit=5", "/api/organizations?q=plan%20tours", `/api/organizations/${owner.organization.id}`]) {
      const { env: recording, statements } = recordingEnv();
      const res = await call("GET", path, { token: admin.token, env: recording });
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      recorded.push(...statements);
    }
    // Each prepare() was recorded once unbound and once per bind(): keep the bound ones (or the bare one if never bound).
    const reads = recorded.filter((s, i) => /^\s*select/i.test(s.sql) && !(s.params.length === 0 && recorded[i + 1]?.sql === s.sql));
    expect(reads.length).toBeGreaterThan(paths.length);
    for (const statement of reads) await expectIndexed(statement);
  });
});
