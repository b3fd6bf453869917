import { describe, expect, it } from "vitest";
import { members, users } from "../../src/db/schema";
import { newId } from "../../src/lib/ids";
import { countingEnv, call, expectProblem, get, type ApiResponse } from "../helpers/api";
import { addMember, createRole, db, signUp } from "../helpers/factories";
import type { Schemas } from "../helpers/document";

describe("listing members", () => {
  it("shows each member with user, resolved role and joinedAt; filters by role and by name/email", async () => {
    const owner = await signUp({ name: "Olive Owner", verified: false });
    await createRole(owner.token, "Guide", ["users.read"]);
    const guide = await addMember(owner.organization.id, "guide", "guide");
    await addMember(owner.organization.id, "member", "plain");

    const all = await get("/api/organizations/members", { token: owner.token });
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.data).toHaveLength(3);
    expect(all.body.data[0]).toEqual({
      id: expect.stringMatching(/^mem_/),
      user: { id: owner.user.id, email: owner.user.email, name: "Olive Owner", emailVerified: false },
      role: { id: "role_system_admin", name: "Admin", source: "system" },
      joinedAt: expect.any(String),
    });

    const guides = await get("/api/organizations/members?role=GUIDE", { token: owner.token });
    expect(guides.body.data.map((m) => [m.id, m.role.name, m.role.source])).toEqual([[guide.member.id, "Guide", "organization"]]);

    const byName = await get("/api/organizations/members?q=OLIVE", { token: owner.token });
    expect(byName.body.data.map((m) => m.user.id)).toEqual([owner.user.id]);
    const byEmail = await get(`/api/organizations/members?q=${encodeURIComponent(guide.user.email.slice(0, 12))}`, { token: owner.token });
    expect(byEmail.body.data.map((m) => m.user.id)).toEqual([guide.user.id]);
    const none = await get("/api/organizations/members?q=%25%25%25", { token: owner.token });
    expect(none.body.data).toEqual([]);
    expectProblem(await get("/api/organizations/members?q=ol", { token: owner.token }), 400, "validation_failed");
  });

  it("pages through 250 members 100 at a time: 3 pages, each member exactly once, in a stable order", async () => {
    const owner = await signUp();
    const now = new Date();
    const rows = Array.from({ length: 249 }, (_, i) => {
      const userId = newId("usr");
      return {
        user: {
          id: userId,
          email: `bulk.${i}.${owner.organization.id.toLowerCase()}@example.com`,
          name: `Bulk ${i}`,
          passwordHash: "x",
          isSuperAdmin: false,
          createdAt: now,
          updatedAt: now,
        },
        member: { id: newId("mem"), organizationId: owner.organization.id, userId, roleKey: "member", createdAt: now },
      };
    });
    for (let i = 0; i < rows.length; i += 10) {
      // D1 binds at most 100 variables per statement.
      const chunk = rows.slice(i, i + 10);
      await db().batch([
        db()
          .insert(users)
          .values(chunk.map((r) => r.user)),
        db()
          .insert(members)
          .values(chunk.map((r) => r.member)),
      ]);
    }
    const other = await signUp(); // another tenant's members never show up
    await addMember(other.organization.id);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse<Schemas["MemberPage"]> = await get(
        `/api/organizations/members?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
        { token: owner.token },
      );
      expect(res.status).toBe(200);
      pages.push(res.body.data.map((m) => m.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual([...ids].sort());

    const again = await get("/api/organizations/members?limit=100", { token: owner.token });
    expect(again.body.data.map((m) => m.id)).toEqual(pages[0]);
  });

  it("a list page is one D1 query", async () => {
    const owner = await signUp();
    await get("/api/organizations/members", { token: owner.token }); // warm the auth cache
    const { env: counted, counts } = countingEnv();
    const res = await call("GET", "/api/organizations/members?limit=5", { token: owner.token, env: counted });
    expect(res.status).toBe(200);
    expect(counts.d1).toBe(1);
  });

  it("limit=0, limit=101, a forged cursor and an unknown parameter are 400s", async () => {
    const owner = await signUp();
    expectProblem(await get("/api/organizations/members?limit=0", { token: owner.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations/members?limit=101", { token: owner.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations/members?limit=ten", { token: owner.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations/members?cursor=bWVtXzAx", { token: owner.token }), 400, "invalid_cursor");
    expectProblem(await get("/api/organizations/members?sort=name", { token: owner.token }), 400, "validation_failed");
  });
});
