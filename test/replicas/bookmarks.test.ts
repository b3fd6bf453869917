import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, get, post } from "../helpers/api";
import { createKey, signUp } from "../helpers/factories";
import { BOOKMARK } from "../../src/lib/bookmark";
import type { Env } from "../../src/env";

/**
 * D1 read replication through the Sessions API. The local runtime has no replicas, so replica lag
 * cannot be simulated here: these tests prove the plumbing — bookmarks out, bookmarks in, which
 * reads go through a session and which go straight to the primary.
 */
describe("D1 bookmarks (read-your-writes across replicas)", () => {
  it("every response that touched D1 carries x-d1-bookmark; sending it back reads at least that", async () => {
    const owner = await signUp();
    const created = await post("/api/organizations/roles", { name: "Guide", permissions: [] }, { token: owner.token });
    const bookmark = created.headers.get("x-d1-bookmark");
    expect(bookmark).toMatch(BOOKMARK);
    const read = await get("/api/organizations/roles", { token: owner.token, headers: { "x-d1-bookmark": bookmark! } });
    expect(read.status).toBe(200);
    expect(read.body.data.map((r: { name: string }) => r.name)).toContain("Guide");
    expect(read.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
    expect(read.headers.get("x-d1-bookmark")! >= bookmark!).toBe(true);
  });

  it("a bookmark that is not one is a 400 (the local runtime would accept any string)", async () => {
    const owner = await signUp();
    for (const bad of ["garbage", "00000000-00000006-00000000", "'; DROP TABLE users; --", "first-primary"]) {
      const res = await get("/api/organizations/roles", { token: owner.token, headers: { "x-d1-bookmark": bad } });
      expect(expectProblem(res, 400, "validation_failed").errors).toEqual([{ path: "x-d1-bookmark", message: "Not a D1 bookmark." }]);
    }
  });

  it("a browser session gets its last write's bookmark as a cookie, and its reads use it without doing anything", async () => {
    const owner = await signUp();
    const cookie = `session=${owner.token}`;
    const write = await call("POST", "/api/organizations/roles", {
      body: { name: "Driver", permissions: [] },
      headers: { cookie, origin: "http://localhost" },
    });
    expect(write.status).toBe(201);
    const setCookie = write.headers.get("set-cookie") ?? "";
    const remembered = /d1_bookmark=([^;]+)/.exec(setCookie)?.[1];
    expect(remembered).toMatch(BOOKMARK);
    expect(setCookie).toContain("HttpOnly");

    // A session made from that cookie's bookmark: the reads are anchored on it.
    const anchors: string[] = [];
    const DB = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "withSession") return (constraint: string) => (anchors.push(constraint), target.withSession(constraint));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const read = await call("GET", "/api/organizations/roles", {
      headers: { cookie: `${cookie}; d1_bookmark=${remembered}` },
      env: { ...(env as Env), DB } as Env,
    });
    expect(read.status).toBe(200);
    expect(anchors).toEqual([remembered]);
    // An API key (no cookie) gets no bookmark cookie: it sends the header back itself.
    const key = await createKey(owner.token, "Admin");
    const keyWrite = await post("/api/organizations/roles", { name: "Keyed", permissions: [] }, { token: key.key });
    expect(keyWrite.headers.get("set-cookie")).toBeNull();
    expect(keyWrite.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
  });

  it("reads may go to a replica; writes start on the primary; auth loads always read the primary", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Admin");
    const seen: { via: "primary" | string; query: string }[] = [];
    const track = <T extends { prepare(q: string): D1PreparedStatement }>(target: T, via: string): T =>
      new Proxy(target, {
        get(obj, prop) {
          if (prop === "prepare") return (query: string) => (seen.push({ via, query }), obj.prepare(query));
          if (prop === "withSession")
            return (constraint: string) => track((obj as unknown as D1Database).withSession(constraint), constraint);
          const value = Reflect.get(obj, prop);
          return typeof value === "function" ? value.bind(obj) : value;
        },
      });
    const tracked = { ...(env as Env), DB: track(env.DB, "primary") } as Env;

    // A key never used yet is in no cache tier: it is loaded from the primary, the page from an unconstrained session.
    const list = await call("GET", "/api/organizations/members", { token: key.key, env: tracked });
    expect(list.status).toBe(200);
    expect(seen.filter((s) => /from "?members"?\b/i.test(s.query)).map((s) => s.via)).toEqual(["first-unconstrained"]);
    expect(seen.some((s) => s.via === "primary" && /from "api_keys"/.test(s.query))).toBe(true);
    for (const s of seen.filter(
      (x) => /from "(api_keys|organizations|users|sessions)"/.test(x.query) && !/from "?members"?\b/i.test(x.query),
    ))
      expect(s.via).toBe("primary");

    // A write request's session starts on the primary.
    seen.length = 0;
    const created = await call("POST", "/api/organizations/roles", {
      token: key.key,
      body: { name: "Primary first", permissions: [] },
      env: tracked,
    });
    expect(created.status).toBe(201);
    expect(seen.some((s) => s.via === "first-primary" && /insert into "roles"/.test(s.query))).toBe(true);
    expect(seen.some((s) => s.via === "first-unconstrained")).toBe(false);
  });
});
