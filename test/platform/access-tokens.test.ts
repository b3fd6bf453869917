import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import type { Env } from "../../src/env";
import { setLogSink } from "../../src/lib/log";
import { call, expectProblem, get, post } from "../helpers/api";
import { addMember, createKey, createRole, signUp } from "../helpers/factories";

const ISSUER = (env as Env).APP_URL;
/** The served JWKS, fetched through the worker's own fetch, as a verifier would get it. */
async function servedKeys() {
  const res = await get("/.well-known/jwks.json");
  expect(res.status).toBe(200);
  return createLocalJWKSet(res.body as JSONWebKeySet);
}
const verify = async (token: string) => jwtVerify(token, await servedKeys(), { issuer: ISSUER, algorithms: ["ES256"] });

describe("access tokens (POST /api/auth/token) and the JWKS", () => {
  it("an API key's token, verified by jose against the served JWKS, carries the right claims and lives ≤ 300 s", async () => {
    const owner = await signUp();
    await createRole(owner.token, "Tour desk", ["tours.read", "bookings.read"]);
    const key = await createKey(owner.token, "Tour desk");
    const res = await post("/api/auth/token", undefined, { token: key.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: "Bearer", expiresIn: 300 });
    expect(res.headers.get("cache-control")).toBe("no-store");

    const { payload, protectedHeader } = await verify(res.body.accessToken);
    expect(protectedHeader).toEqual({ alg: "ES256", typ: "JWT", kid: "development-1" });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: key.id,
      org_id: owner.organization.id,
      role: "Tour desk",
      permissions: ["tours.read", "bookings.read"],
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    });
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
  });

  it("a session's token names the user; every token has its own jti", async () => {
    const owner = await signUp({ organizationName: "Zürich Touren" });
    const member = await addMember(owner.organization.id, "member");
    const first = await post("/api/auth/token", undefined, { token: member.token });
    const second = await post("/api/auth/token", undefined, { token: member.token });
    const a = (await verify(first.body.accessToken)).payload;
    const b = (await verify(second.body.accessToken)).payload;
    expect(a).toMatchObject({
      sub: member.user.id,
      org_id: owner.organization.id,
      role: "Member",
      permissions: ["users.read", "roles.read", "tours.read", "bookings.read"],
    });
    expect(a.jti).not.toBe(b.jti);
  });

  it("the JWKS publishes the current and the previous public key, and no private part", async () => {
    const res = await get("/.well-known/jwks.json");
    expect(res.body.keys.map((k: any) => k.kid)).toEqual(["development-1", "development-0"]);
    for (const key of res.body.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    }
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("a token signed by another key, or tampered with, fails verification", async () => {
    const owner = await signUp();
    const issued = (await post("/api/auth/token", undefined, { token: owner.token })).body.accessToken as string;
    const claims = (await verify(issued)).payload;

    // Another key claiming the served kid.
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: decodeProtectedHeader(issued).kid! })
      .sign(privateKey);
    await expect(verify(forged)).rejects.toThrow();
    // Another key under its own kid: no such key is served.
    const foreign = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "ES256", kid: "attacker" }).sign(privateKey);
    await expect(verify(foreign)).rejects.toThrow();

    // The same signature over changed claims (more permissions).
    const [header, , signature] = issued.split(".");
    const widened = btoa(
      JSON.stringify({ ...claims, permissions: [...(claims.permissions as string[]), "bookings.refund"], role: "Owner" }),
    )
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
    await expect(verify(`${header}.${widened}.${signature}`)).rejects.toThrow();
    // A flipped signature byte.
    const last = signature!.at(-2) === "A" ? "B" : "A";
    await expect(verify(`${header}.${issued.split(".")[1]}.${signature!.slice(0, -2)}${last}${signature!.at(-1)}`)).rejects.toThrow();
    // alg "none" is never accepted.
    const unsigned = `${btoa(JSON.stringify({ alg: "none", kid: "development-1" })).replace(/=+$/, "")}.${issued.split(".")[1]}.`;
    await expect(verify(unsigned)).rejects.toThrow();
  });

  it("a bad credential is the usual 401; a session with no organization it belongs to is a 404", async () => {
    expectProblem(await post("/api/auth/token", undefined, { token: "ork_garbage" }), 401, "unauthenticated");
    expectProblem(await post("/api/auth/token", undefined), 401, "unauthenticated");
    const owner = await signUp();
    const member = await addMember(owner.organization.id, "member");
    await env.DB.prepare("DELETE FROM members WHERE id = ?").bind(member.member.id).run();
    const { authCache } = await import("../../src/cache/auth-cache");
    const { testContext } = await import("../helpers/context");
    await authCache.invalidateMembership(testContext(), owner.organization.id, member.user.id);
    expectProblem(await post("/api/auth/token", undefined, { token: member.token }), 404, "no_active_organization");
  });

  it("the credential is checked fresh: a key deleted elsewhere, still warm in this isolate's cache, gets no token", async () => {
    const owner = await signUp();
    const key = await createKey(owner.token, "Member");
    expect((await post("/api/auth/token", undefined, { token: key.key })).status).toBe(200); // warm
    await env.DB.prepare("DELETE FROM api_keys WHERE id = ?").bind(key.id).run(); // no cache invalidation: as if elsewhere
    expectProblem(await post("/api/auth/token", undefined, { token: key.key }), 401, "unauthenticated");
  });

  it("a role stripped elsewhere gets no token with the old permissions (403), and the next one has the new ones", async () => {
    const owner = await signUp();
    const role = await createRole(owner.token, "Refunds", ["bookings.read", "bookings.refund"]);
    const key = await createKey(owner.token, "Refunds");
    expect((await post("/api/auth/token", undefined, { token: key.key })).status).toBe(200); // warm
    await env.DB.prepare("UPDATE roles SET permissions = ? WHERE id = ?")
      .bind(JSON.stringify(["bookings.read"]), role.id)
      .run();
    expectProblem(await post("/api/auth/token", undefined, { token: key.key }), 403, "forbidden");
    const next = await post("/api/auth/token", undefined, { token: key.key });
    expect(next.status).toBe(200);
    expect((await verify(next.body.accessToken)).payload.permissions).toEqual(["bookings.read"]);
  });

  it("body fields are refused (the route takes none)", async () => {
    const owner = await signUp();
    expectProblem(await post("/api/auth/token", { ttl: 86400 }, { token: owner.token }), 400, "validation_failed");
  });

  for (const [label, overrides] of [
    ["missing, in production", { ENVIRONMENT: "production", JWT_SIGNING_KEYS: undefined }],
    ["missing, in development", { JWT_SIGNING_KEYS: "" }],
    ["not JSON", { JWT_SIGNING_KEYS: "{nope" }],
    ["the public development key, in production", { ENVIRONMENT: "production" }],
    ["not an EC key", { JWT_SIGNING_KEYS: JSON.stringify([{ kid: "k1", kty: "oct", k: "AAAA" }]) }],
  ] as const) {
    it(`signing keys ${label}: the token route is a logged 500, and no token leaves`, async () => {
      const owner = await signUp();
      const key = await createKey(owner.token, "Member");
      const lines: string[] = [];
      setLogSink((_level, line) => void lines.push(line));
      const broken = { ...(env as Env), ...overrides } as Env;
      const res = await call("POST", "/api/auth/token", {
        token: key.key,
        env: broken,
        skipContract: "a 500 from a deliberately broken configuration",
      });
      expectProblem(res, 500, "internal_error");
      expect(res.text).not.toContain("accessToken");
      expect(lines.some((line) => line.includes("JWT_SIGNING_KEYS"))).toBe(true);
      // The rest of the API keeps working: the keys are needed only where tokens are signed.
      expect(
        (
          await call("GET", "/api/organizations/me", {
            token: key.key,
            env: broken,
            skipContract: "same response as documented; env differs",
          })
        ).status,
      ).toBe(200);
    });
  }
});
