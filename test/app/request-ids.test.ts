import { describe, expect, it } from "vitest";
import { expectProblem, get, patch, servedDocument } from "../helpers/api";
import { seedOrganization } from "../helpers/factories";
import { onlyEvent } from "../helpers/events";

/**
 * API.md §1: every response's X-Request-Id is the server's own; a caller's sane X-Request-Id comes
 * back as X-Client-Request-Id and is never recorded as ours — a client must not be able to write
 * the audit trail's ids.
 */

const OURS = /^req_[0-9A-Z]{26}$/;

describe("request ids", () => {
  it("a PATCH with X-Request-Id: req_anything records the server's id in its event, and echoes the caller's as X-Client-Request-Id", async () => {
    const owner = await seedOrganization("Request Id Tours");
    const res = await patch(
      "/api/organizations/me",
      { name: "Renamed Tours" },
      { token: owner.token, headers: { "x-request-id": "req_anything" } },
    );
    expect(res.status).toBe(200);
    expect(res.body.name).toBe("Renamed Tours");
    const ours = res.headers.get("x-request-id");
    expect(ours).toMatch(OURS);
    expect(ours).not.toBe("req_anything");
    expect(res.headers.get("x-client-request-id")).toBe("req_anything");

    const stored = await onlyEvent(owner.organization.id, "organization.updated");
    expect(stored.requestId).toBe(ours);
    expect(stored.raw).not.toContain("req_anything");
    // And the audit log, as a client reads it.
    const log = await get("/api/organizations/me/events?type=organization.updated", { token: owner.token });
    expect(log.status).toBe(200);
    expect(log.body.data.map((e: { requestId: string }) => e.requestId)).toEqual([ours]);
    expect(log.headers.get("x-client-request-id")).toBeNull();
  });

  it("a problem body carries the server's id too, never the caller's", async () => {
    const owner = await seedOrganization("Problem Id Tours");
    const res = await patch("/api/organizations/me", { name: "" }, { token: owner.token, headers: { "x-request-id": "client-trace-42" } });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.requestId).toBe(res.headers.get("x-request-id"));
    expect(problem.requestId).toMatch(OURS);
    expect(res.headers.get("x-client-request-id")).toBe("client-trace-42");
    expect((await get("/api/organizations/me", { token: owner.token })).body.name).toBe("Problem Id Tours");
  });

  it("an insane caller id (too long, or characters outside [A-Za-z0-9._:-]) is not echoed, and the request still gets ours", async () => {
    for (const insane of ["x".repeat(129), "bad id with spaces", "<script>alert(1)</script>", "trace;drop", "a/b", ""]) {
      const res = await get("/api/health", { headers: { "x-request-id": insane } });
      expect(res.status, insane).toBe(200);
      expect(res.headers.get("x-request-id"), insane).toMatch(OURS);
      expect(res.headers.get("x-client-request-id"), insane).toBeNull();
    }
    const longest = "a".repeat(128);
    expect((await get("/api/health", { headers: { "x-request-id": longest } })).headers.get("x-client-request-id")).toBe(longest);
  });

  it("each request gets its own id, even when a caller reuses one", async () => {
    const [a, b] = [
      await get("/api/health", { headers: { "x-request-id": "same" } }),
      await get("/api/health", { headers: { "x-request-id": "same" } }),
    ];
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
    expect([a.headers.get("x-client-request-id"), b.headers.get("x-client-request-id")]).toEqual(["same", "same"]);
  });

  it("the document declares both: X-Client-Request-Id on responses, x-request-id as an optional request header of every operation", async () => {
    const doc = await servedDocument();
    expect(doc.components.headers["X-Client-Request-Id"]).toMatchObject({
      schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
    });
    expect(doc.components.headers["X-Client-Request-Id"]!.required).toBeUndefined();
    expect(doc.components.parameters["X-Request-Id"]).toMatchObject({ name: "x-request-id", in: "header", required: false });
    const patchMe = doc.paths["/api/organizations/me"]!.patch!;
    expect(patchMe.responses["200"]!.headers!["X-Client-Request-Id"]).toEqual({ $ref: "#/components/headers/X-Client-Request-Id" });
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods))
        expect(op.parameters, `${method} ${path}`).toContainEqual({ $ref: "#/components/parameters/X-Request-Id" });
    }
  });
});
