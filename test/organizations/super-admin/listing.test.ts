import { describe, expect, it } from "vitest";
import { countingEnv, expectProblem, get, type ApiResponse } from "../../helpers/api";
import { addMember, signUp } from "../../helpers/factories";
import { superAdmin, uniqueWord } from "../../helpers/super-admin";
import type { Schemas } from "../../helpers/document";

describe("listing organizations", () => {
  async function threeOrgs() {
    const t = uniqueWord();
    const sunset = await signUp({ organizationName: `Sunset Tours ${t}` });
    const harbor = await signUp({ organizationName: `Harbor Cruises ${t}` });
    const percent = await signUp({ organizationName: `100% Canyon ${t}` });
    await addMember(sunset.organization.id);
    return { t, ids: [sunset.organization.id, harbor.organization.id, percent.organization.id] as const };
  }

  it("pages through every organization with limit=2: each exactly once, oldest first, with its member count", async () => {
    const admin = await superAdmin();
    const { ids } = await threeOrgs();
    const seen: Schemas["AdminOrganization"][] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: ApiResponse<Schemas["AdminOrganizationPage"]> = await get(
        `/api/organizations?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { token: admin.token },
      );
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(cursor).toBeNull();
    const seenIds = seen.map((o) => o.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect(seenIds).toEqual([...seenIds].sort());
    expect(seenIds.filter((id) => ids.includes(id))).toEqual([...ids]);
    expect(seenIds).toContain(admin.organization.id);
    expect(seen.find((o) => o.id === ids[0])).toEqual({
      id: ids[0],
      name: expect.stringMatching(/^Sunset Tours /),
      logo: null,
      timezone: "UTC",
      requireMfa: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      memberCount: 2,
    });
    expect(seen.find((o) => o.id === ids[1])!.memberCount).toBe(1);
  });

  it("q is a case-insensitive substring of the name", async () => {
    const admin = await superAdmin();
    const { t, ids } = await threeOrgs();
    const byToken = await get(`/api/organizations?limit=1&q=${t.toUpperCase()}`, { token: admin.token });
    expect(byToken.body.data.map((o) => o.id)).toEqual([ids[0]]);
    const rest = await get(`/api/organizations?limit=1&q=${t}&cursor=${byToken.body.nextCursor}`, { token: admin.token });
    expect(rest.body.data.map((o) => o.id)).toEqual([ids[1]]);

    const sunset = await get("/api/organizations?q=sunset&limit=100", { token: admin.token });
    expect(sunset.status).toBe(200);
    const found = sunset.body.data.map((o) => o.id);
    expect(found).toContain(ids[0]);
    expect(found).not.toContain(ids[1]);
    expect(found).not.toContain(ids[2]);
    const exact = await get(`/api/organizations?q=${encodeURIComponent(`sUnSeT tOuRs ${t}`)}`, { token: admin.token });
    expect(exact.body).toEqual({ data: [expect.objectContaining({ id: ids[0], memberCount: 2 })], nextCursor: null });
  });

  it("q shorter than 3 characters is a 400 (a trigram index cannot answer it without a scan)", async () => {
    const admin = await superAdmin();
    const short = expectProblem(await get("/api/organizations?q=su", { token: admin.token }), 400, "validation_failed");
    expect(short.errors?.[0]?.path).toBe("q");
  });

  it("% and _ in q match themselves, not any character", async () => {
    const admin = await superAdmin();
    const { t, ids } = await threeOrgs();
    const percent = await get(`/api/organizations?q=${encodeURIComponent(`% canyon ${t}`)}`, { token: admin.token });
    expect(percent.body.data.map((o) => o.id)).toEqual([ids[2]]);
    const percentAlone = await get("/api/organizations?q=00%25&limit=100", { token: admin.token });
    const found = percentAlone.body.data.map((o) => o.id);
    expect(found).toContain(ids[2]);
    expect(found).not.toContain(ids[0]);
    expect(found).not.toContain(ids[1]);
    expect((await get(`/api/organizations?q=${encodeURIComponent(`_${t}`)}`, { token: admin.token })).body.data).toEqual([]);
  });

  it("a page is one D1 query (after the fresh Super Admin flag read), member counts included", async () => {
    const admin = await superAdmin();
    await get("/api/organizations?limit=1", { token: admin.token }); // warm the auth cache
    const { env: counted, counts } = countingEnv();
    const res = await get("/api/organizations?limit=5", { token: admin.token, env: counted });
    expect(res.status).toBe(200);
    expect(res.body.data[0]?.memberCount).toEqual(expect.any(Number));
    expect(counts.d1).toBe(2); // users.is_super_admin, read fresh on every platform request; then the page
  });

  it("a forged cursor, limit=0 and an unknown parameter are 400s", async () => {
    const admin = await superAdmin();
    expectProblem(await get("/api/organizations?cursor=bWVtXzAx", { token: admin.token }), 400, "invalid_cursor");
    expectProblem(await get("/api/organizations?limit=0", { token: admin.token }), 400, "validation_failed");
    expectProblem(await get("/api/organizations?sort=name", { token: admin.token }), 400, "validation_failed");
  });
});
