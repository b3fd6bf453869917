import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, envWithFailingQueries, expectProblem, get, post, servedDocument } from "../helpers/api";
import { addMember, createKey, signUp, uniqueEmail } from "../helpers/factories";
import { testContext } from "../helpers/context";
import { pruneIdempotencyRecords } from "../../src/services/idempotency/records";
import type { Schemas } from "../helpers/document";

const withKey = (key: string, token: string) => ({ token, headers: { "idempotency-key": key } });
const countRoles = async (organizationId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM roles WHERE organization_id = ?").bind(organizationId).first<{ n: number }>())!.n;

describe("Idempotency-Key on creating POSTs", () => {
  it("a retry with the same key and body gets the first response again, marked replayed, and creates nothing", async () => {
    const owner = await signUp();
    const first = await post(
      "/api/organizations/roles",
      { name: "Guide", permissions: ["users.read"] },
      withKey("create-guide-1", owner.token),
    );
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await post(
      "/api/organizations/roles",
      { name: "Guide", permissions: ["users.read"] },
      withKey("create-guide-1", owner.token),
    );
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toContain("application/json");
    expect(again.body).toEqual(first.body);
    expect(await countRoles(owner.organization.id)).toBe(1);
  });

  it("the same key with a different body is a 422 idempotency_key_reused and changes nothing", async () => {
    const owner = await signUp();
    await post("/api/organizations/roles", { name: "Guide", permissions: [] }, withKey("k-reuse", owner.token));
    expectProblem(
      await post("/api/organizations/roles", { name: "Driver", permissions: [] }, withKey("k-reuse", owner.token)),
      422,
      "idempotency_key_reused",
    );
    expectProblem(
      await post("/api/organizations/api-keys", { name: "x", role: "Member" }, withKey("k-reuse", owner.token)),
      422,
      "idempotency_key_reused",
    );
    expect(await countRoles(owner.organization.id)).toBe(1);
  });

  it("keys are scoped to the organization and the principal: another caller's same key is its own", async () => {
    const owner = await signUp();
    const colleague = await addMember(owner.organization.id, "admin", "colleague");
    const apiKey = await createKey(owner.token, "Admin");
    const other = await signUp();
    for (const [token, name] of [
      [owner.token, "A"],
      [colleague.token, "B"],
      [apiKey.key, "C"],
      [other.token, "D"],
    ] as const) {
      const res = await post("/api/organizations/roles", { name: `Role ${name}`, permissions: [] }, withKey("shared-key", token));
      expect(res.status).toBe(201);
      expect(res.headers.get("idempotent-replayed")).toBeNull();
    }
    expect(await countRoles(owner.organization.id)).toBe(3);
    expect(await countRoles(other.organization.id)).toBe(1);
  });

  it("concurrent duplicates: exactly one effect; the others are the replay or a 409 idempotency_key_in_progress", async () => {
    const owner = await signUp();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        post("/api/organizations/api-keys", { name: "Booking site", role: "Member" }, withKey("concurrent-key", owner.token)),
      ),
    );
    const keys = await env.DB.prepare("SELECT id FROM api_keys WHERE organization_id = ?")
      .bind(owner.organization.id)
      .all<{ id: string }>();
    expect(keys.results).toHaveLength(1);
    for (const res of results) {
      if (res.status === 201) expect(res.body.id).toBe(keys.results[0]!.id);
      else {
        expectProblem(res, 409, "idempotency_key_in_progress");
        expect(res.headers.get("retry-after")).toBe("1");
      }
    }
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
  });

  it("a new API key's secret is replayed to the client but never stored in plaintext, nor the key", async () => {
    const owner = await signUp();
    const key = "secret-bearing-request-7";
    const first = await post("/api/organizations/api-keys", { name: "Booking site", role: "Member" }, withKey(key, owner.token));
    const replay = await post("/api/organizations/api-keys", { name: "Booking site", role: "Member" }, withKey(key, owner.token));
    expect(replay.body.key).toBe(first.body.key);
    expect((await get("/api/organizations/me", { token: replay.body.key })).status).toBe(200);
    const rows = await env.DB.prepare("SELECT key_hash, response_body FROM idempotency_records WHERE organization_id = ?")
      .bind(owner.organization.id)
      .all<{ key_hash: string; response_body: string }>();
    expect(rows.results).toHaveLength(1);
    const row = rows.results[0]!;
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.key_hash).not.toContain(key);
    expect(row.response_body).not.toContain(first.body.key);
    expect(row.response_body).not.toContain("ork_");
    expect(row.response_body).not.toContain(first.body.id);
  });

  it("a webhook endpoint created twice with one key: one endpoint, the same secret replayed, never stored in plaintext", async () => {
    const owner = await signUp();
    const body: Schemas["WebhookEndpointCreateInput"] = { url: "https://hooks.example.com/tours", eventTypes: ["member.*"] };
    const first = await post("/api/organizations/webhooks", body, withKey("webhook-create-1", owner.token));
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_/);
    const again = await post("/api/organizations/webhooks", body, withKey("webhook-create-1", owner.token));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const endpoints = await env.DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>();
    expect(endpoints!.n).toBe(1);
    const stored = await env.DB.prepare("SELECT response_body FROM idempotency_records WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ response_body: string }>();
    expect(stored!.response_body).not.toContain("whsec_");
    expect(stored!.response_body).not.toContain(first.body.secret.slice(6));
  });

  it("an error answer is kept like any other: a retry gets the same 409", async () => {
    const owner = await signUp();
    await post("/api/organizations/roles", { name: "Guide", permissions: [] }, { token: owner.token });
    const conflict = await post("/api/organizations/roles", { name: "Guide", permissions: [] }, withKey("dup-name", owner.token));
    expectProblem(conflict, 409, "role_name_taken");
    const replay = await post("/api/organizations/roles", { name: "Guide", permissions: [] }, withKey("dup-name", owner.token));
    expectProblem(replay, 409, "role_name_taken");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  it("a 5xx is not kept: the key is released, and a retry runs for real", async () => {
    const owner = await signUp();
    await get("/api/organizations/me", { token: owner.token }); // the session is cached: auth needs no D1
    // A D1 whose INSERT into roles fails as an outage would (everything else works).
    const outage = envWithFailingQueries((query) => /^insert into "roles"/i.test(query), "D1_ERROR: Network connection lost.");
    const failing = await call("POST", "/api/organizations/roles", {
      ...withKey("outage-key", owner.token),
      body: { name: "Guide", permissions: [] },
      env: outage,
    });
    expectProblem(failing, 503, "service_unavailable");
    const retried = await post("/api/organizations/roles", { name: "Guide", permissions: [] }, withKey("outage-key", owner.token));
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await countRoles(owner.organization.id)).toBe(1);
  });

  it("a malformed key is a 400 and nothing runs", async () => {
    const owner = await signUp();
    expectProblem(
      await post("/api/organizations/roles", { name: "Guide", permissions: [] }, withKey("x".repeat(256), owner.token)),
      400,
      "validation_failed",
    );
    expectProblem(
      await post("/api/organizations/roles", { name: "Guide", permissions: [] }, withKey("tab\there", owner.token)),
      400,
      "validation_failed",
    );
    expect(await countRoles(owner.organization.id)).toBe(0);
  });

  it("a resend with a key sends one email, however often it is retried", async () => {
    const owner = await signUp();
    const invited = await post("/api/organizations/invitations", { email: uniqueEmail("resend"), role: "Member" }, { token: owner.token });
    const emailOf = async () =>
      (await env.DB.prepare("SELECT email_id FROM invitations WHERE id = ?").bind(invited.body.id).first<{ email_id: string }>())!.email_id;
    const createdWith = await emailOf();
    const first = await call("POST", `/api/organizations/invitations/${invited.body.id}`, withKey("resend-1", owner.token));
    const again = await call("POST", `/api/organizations/invitations/${invited.body.id}`, withKey("resend-1", owner.token));
    expect(first.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const row = await env.DB.prepare("SELECT email_id FROM invitations WHERE id = ?").bind(invited.body.id).first<{ email_id: string }>();
    expect(row!.email_id).not.toBe(createdWith);
    const emails = await env.DB.prepare("SELECT count(*) AS n FROM invitations WHERE id = ? AND email_id = ?")
      .bind(invited.body.id, row!.email_id)
      .first<{ n: number }>();
    expect(emails!.n).toBe(1);
  });

  it("after 24 h a key is free again; the scheduled prune deletes only expired records", async () => {
    const owner = await signUp();
    await post("/api/organizations/roles", { name: "Old", permissions: [] }, withKey("old-key", owner.token));
    await post("/api/organizations/roles", { name: "Fresh", permissions: [] }, withKey("fresh-key", owner.token));
    await env.DB.prepare(
      "UPDATE idempotency_records SET expires_at = ? WHERE organization_id = ? AND state = 'completed' AND response_status = 201 AND created_at = (SELECT min(created_at) FROM idempotency_records WHERE organization_id = ?)",
    )
      .bind(Date.now() - 1, owner.organization.id, owner.organization.id)
      .run();
    const reused = await post("/api/organizations/roles", { name: "Old two", permissions: [] }, withKey("old-key", owner.token));
    expect(reused.status).toBe(201);
    expect(reused.headers.get("idempotent-replayed")).toBeNull();

    await env.DB.prepare(
      "UPDATE idempotency_records SET expires_at = ? WHERE organization_id = ? AND key_hash = (SELECT key_hash FROM idempotency_records WHERE organization_id = ? ORDER BY created_at DESC LIMIT 1)",
    )
      .bind(Date.now() - 1, owner.organization.id, owner.organization.id)
      .run();
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM idempotency_records WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>())!.n;
    expect(await pruneIdempotencyRecords(testContext(), { batchSize: 1, batches: 50 })).toBeGreaterThanOrEqual(1);
    const after = (await env.DB.prepare("SELECT count(*) AS n FROM idempotency_records WHERE organization_id = ?")
      .bind(owner.organization.id)
      .first<{ n: number }>())!.n;
    expect(after).toBe(before - 1);
  });
});

describe("the document", () => {
  it("every authenticated POST that answers 201 (and the resend) declares Idempotency-Key", async () => {
    const doc = (await servedDocument()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            security?: unknown[];
            responses: Record<string, unknown>;
            parameters?: { name: string; in: string }[];
            "x-idempotent"?: boolean;
          }
        >
      >;
    };
    const creating = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(
          ([method, op]) =>
            method === "post" &&
            (op.security?.length ?? 0) > 0 &&
            ("201" in op.responses || path === "/api/organizations/invitations/{id}"),
        )
        .map(([, op]) => ({ path, op })),
    );
    expect(creating.length).toBeGreaterThanOrEqual(4);
    for (const { path, op } of creating) {
      expect(op["x-idempotent"], path).toBe(true);
      expect(
        op.parameters?.some((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key"),
        path,
      ).toBe(true);
      expect(op.responses["422"], path).toBeDefined();
    }
  });
});
