import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { isPermission } from "../../src/domain/permissions";
import { call, expectProblem, type ApiResponse, servedDocument } from "../helpers/api";
import {
  adminOf,
  badCredentials,
  BODIES,
  callerFor,
  org,
  RESOURCES,
  CALLERS,
  unverifiedSession,
  type CredentialKind,
  type Org,
  type Requirement,
} from "../helpers/access-fixtures";
import type { DocumentOperation as Operation } from "../helpers/document";

/**
 * The auth and tenant matrix, derived from the served OpenAPI document: every operation, with no
 * test code of its own, is checked against what it declares (`security`, `x-permission`,
 * `x-required-role`, `x-email-verified`; see src/routes/auth-modes.ts). The services enforce; this proves the
 * declaration and the enforcement agree, and that a route added tomorrow is covered the day it is.
 */

// Invitation fixtures queue emails: let the real consumer finish them before the runtime goes.

const document = await servedDocument();

/** Events in the organization whose actor is an unverified user: every change records one, so none means no change. */
const unverifiedActorEvents = async (target: Org) =>
  (await env.DB.prepare(
    "SELECT count(*) AS n FROM events WHERE organization_id = ? AND actor_id IN (SELECT id FROM users WHERE email_verified = 0)",
  )
    .bind(target.id)
    .first<{ n: number }>())!.n;
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op, name: `${method.toUpperCase()} ${path}` })),
);
type Op = (typeof operations)[number];

const isPublic = (op: Operation) =>
  Array.isArray(op.security) && (op.security.length === 0 || op.security.some((s) => Object.keys(s).length === 0));
const acceptsApiKeys = (op: Operation) => op.security?.some((s) => "apiKey" in s) ?? false;
const documentsJson = (op: Operation, status: number) =>
  (op.responses[String(status)] as { content?: Record<string, unknown> } | undefined)?.content?.["application/json"] !== undefined;
const successStatus = (op: Operation) =>
  Number(
    Object.keys(op.responses)
      .filter((s) => s.startsWith("2"))
      .sort()[0],
  );

function requirementOf(op: Operation): Requirement {
  const permission = op["x-permission"];
  if (permission !== undefined) {
    if (!isPermission(permission)) throw new Error(`x-permission "${permission}" is not in the catalog`);
    return { kind: "permission", permission };
  }
  if (op["x-required-role"] === "Admin") return { kind: "admin" };
  if (op["x-required-role"] === "super_admin") return { kind: "super_admin" };
  if (op["x-required-role"] !== undefined) throw new Error(`unknown x-required-role "${op["x-required-role"]}"`);
  return { kind: "none" };
}

/** Each `{param}` of the path with the segment before it, which names the resource. */
function pathParams(path: string): { param: string; segment: string }[] {
  const segments = path.split("/");
  return segments.flatMap((s, i) => (/^\{\w+\}$/.test(s) ? [{ param: s, segment: segments[i - 1] ?? "" }] : []));
}

/** The path with every param replaced by a fresh resource of `owner` (or a placeholder for public routes). */
async function concretePath(operation: Op, owner: Org | null, callerToken?: string): Promise<string> {
  let path = operation.path;
  for (const { param, segment } of pathParams(operation.path)) {
    const make = RESOURCES[segment];
    let value = "unknown";
    if (owner) {
      if (!make)
        throw new Error(
          `${operation.name}: add a fixture for ${param} (path segment "${segment}") to RESOURCES in test/helpers/access-fixtures.ts`,
        );
      value = await make(owner, callerToken);
    }
    path = path.replace(param, value);
  }
  return path;
}

/** One call of the operation by `token`, its params made in `owner` (the caller's org, or another tenant's). */
async function send(
  operation: Op,
  token: string | undefined,
  owner: Org | null,
  bodyOrg: Org | null = owner,
): Promise<ApiResponse<unknown>> {
  // The caller's own resources only when it acts in the owner's organization (not another tenant's).
  const path = await concretePath(operation, owner, owner === bodyOrg ? token : undefined);
  const build = BODIES[operation.name];
  const takesJson = operation.op.requestBody?.content?.["application/json"] !== undefined;
  const body = build && bodyOrg ? build(bodyOrg) : takesJson ? {} : undefined;
  return call(operation.method, path, { token, body });
}

const kindsOf = (op: Operation): CredentialKind[] => (acceptsApiKeys(op) ? ["session", "api_key"] : ["session"]);
const label = (kind: CredentialKind) => (kind === "api_key" ? "an API key" : "a session");

function describeRequirement(r: Requirement) {
  switch (r.kind) {
    case "permission":
      return {
        holding: `holding only ${r.permission}`,
        lacking: `holding every permission but ${r.permission}`,
        detail: `This needs the ${r.permission} permission.`,
      };
    case "admin":
      return {
        holding: "with the Admin role",
        lacking: "holding every permission but not the Admin role",
        detail: "This needs the Admin role.",
      };
    case "super_admin":
      return {
        holding: "of a Super Admin",
        lacking: "of an organization Admin without the Super Admin flag",
        detail: "This needs a Super Admin session.",
      };
    case "none":
      return { holding: "whose role grants no permission", lacking: null, detail: null };
  }
}

describe("the route table", () => {
  it("has every operation the app serves (33 when this was written)", () => {
    expect(operations.length).toBeGreaterThanOrEqual(33);
  });
});

for (const operation of operations) {
  const { op, name } = operation;

  describe(name, () => {
    it("declares its auth mode: a non-empty security, or explicitly public (security [] or containing {})", () => {
      expect(op.security, `${name} declares no security: spread a mode from src/routes/auth-modes.ts`).toBeInstanceOf(Array);
      const requirement = requirementOf(op);
      if (isPublic(op)) expect(requirement.kind, `${name} is public yet declares a requirement`).toBe("none");
      if (requirement.kind === "super_admin") expect(acceptsApiKeys(op), `${name}: Super Admin routes take sessions only`).toBe(false);
      // Prose that names a permission must name the declared one.
      const prose = /Permissions: ([a-z_]+\.[a-z_]+)/.exec(op.description ?? "")?.[1];
      if (prose !== undefined)
        expect(prose, `${name}: the description names another permission than x-permission`).toBe(op["x-permission"]);
    });
    if (!Array.isArray(op.security)) return;
    const success = successStatus(op);

    // API.md §1, strict bodies: an operation that declares no body refuses one with a field (the
    // router adds the check from the declaration, src/routes/router.ts). GET cannot carry a body.
    if (op.requestBody === undefined && operation.method !== "GET") {
      it("declares no request body: one with a field → 400 validation_failed, from a caller who may call it", async () => {
        const a = await org("A");
        const special = CALLERS[name];
        const token = isPublic(op) ? undefined : special ? await special(a) : await callerFor(a, requirementOf(op), true, "session");
        const path = await concretePath(operation, isPublic(op) ? null : a, token);
        const problem = expectProblem(await call(operation.method, path, { token, body: { unexpected: 1 } }), 400, "validation_failed");
        expect(problem.errors).toEqual([{ path: "(body)", message: "Unknown field(s): unexpected." }]);
      });
    }

    if (isPublic(op)) {
      it("is public: a call without a credential is not a 401", async () => {
        const res = await send(operation, undefined, null, await org("A"));
        expect(res.status, res.text).not.toBe(401);
        expect(Object.keys(op.responses), `${name} answered an undocumented ${res.status}`).toContain(String(res.status));
      });
      if (op.security.length > 0) {
        it("a credential that is sent must be valid: a malformed one → 401", async () => {
          for (const bad of badCredentials()) expectProblem(await send(operation, bad.token, null, await org("A")), 401, "unauthenticated");
        });
      }
      return;
    }

    const requirement = requirementOf(op);
    const words = describeRequirement(requirement);

    it("no credential → 401", async () => {
      const a = await org("A");
      expectProblem(await send(operation, undefined, a), 401, "unauthenticated");
    });

    it("a malformed, mistyped or unknown credential → the same 401", async () => {
      const a = await org("A");
      const bodies = new Set<string>();
      for (const bad of badCredentials()) {
        const problem = expectProblem(await send(operation, bad.token, a), 401, "unauthenticated");
        bodies.add(problem.detail);
      }
      expect(bodies.size).toBe(1);
    });

    if (!acceptsApiKeys(op)) {
      it("an API key (even an Admin one) → 403: this route takes sessions only", async () => {
        const a = await org("A");
        const problem = expectProblem(await send(operation, await adminOf(a, "api_key"), a), 403, "forbidden");
        expect(problem.detail).toBe("This endpoint needs a user session; API keys cannot use it.");
      });
    }

    for (const kind of kindsOf(op)) {
      if (words.lacking !== null) {
        it(`${label(kind)} ${words.lacking} → 403`, async () => {
          const a = await org("A");
          const problem = expectProblem(await send(operation, await callerFor(a, requirement, false, kind), a), 403, "forbidden");
          expect(problem.detail).toBe(words.detail);
        });
      }
      it(`${label(kind)} ${words.holding} → ${success}`, async () => {
        const a = await org("A");
        const special = kind === "session" ? CALLERS[name] : undefined;
        const res = await send(operation, special ? await special(a) : await callerFor(a, requirement, true, kind), a);
        expect(res.status, res.text).toBe(success);
        // The documented body: JSON when the response has content, nothing for a 204.
        if (documentsJson(op, success)) expect(res.body).toEqual(expect.any(Object));
        else expect(res.text).toBe("");
      });
    }

    if (op["x-email-verified"]) {
      it(`a session ${words.holding} whose email address is not verified → 403 email_not_verified, and nothing changes`, async () => {
        const a = await org("A");
        const problem = expectProblem(await send(operation, await unverifiedSession(a, requirement), a), 403, "email_not_verified");
        expect(problem.detail).toContain("POST /api/auth/email-verification");
        expect(await unverifiedActorEvents(a), "an unverified caller changed something").toBe(0);
      });
    }

    const params = pathParams(operation.path);
    if (params.length > 0 && requirement.kind !== "super_admin") {
      it(`another organization's ${params.map((p) => p.param).join(", ")} → 404 for its Admin`, async () => {
        const [a, b] = [await org("A"), await org("B")];
        // Org A's Admin may do anything in A: the only thing wrong is whose resource it is.
        expectProblem(await send(operation, await adminOf(a, "session"), b, a), 404, "not_found");
      });
    }
  });
}
