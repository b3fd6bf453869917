import { Hono, type Context, type MiddlewareHandler, type Next } from "hono";
import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { AppBindings, RequestContext } from "../context";
import { ApiError } from "../lib/errors";
import { once } from "../lib/once";
import { refuseBodyFields } from "../middleware/body-guards";
import { idempotency } from "../middleware/idempotency";
import type { DeclaredRequirements } from "../services/auth/declared-requirements";
import type { Permission } from "../domain/permissions";
import type { SecurityRequirement } from "./auth-modes";

/** A part of the request an operation's contract validates (the zod-validator target it fills). */
export type InputPart = "query" | "param" | "header" | "json";

/**
 * An operation as the router dispatches it: method, path, id and auth mode (routes/auth-modes.ts),
 * and which parts of the request its contract validates. Plain data, no zod: the operations of a
 * group are its `*.operations.ts`, and its `*.routes.ts` holds their contracts (`contract()`: the
 * document's words and the zod schemas), evaluated only when a request first needs validating or
 * the document is built (docs/performance.md "Bundle and startup").
 */
export interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** As documented: `{param}`. */
  path: string;
  operationId: string;
  security: SecurityRequirement[];
  middleware?: MiddlewareHandler[];
  "x-permission"?: Permission;
  "x-required-role"?: "Admin" | "super_admin";
  "x-email-verified"?: true;
  "x-idempotent"?: true;
  /**
   * What the contract's `request` validates: `query`, `param` (its `params`), `header` (its
   * `headers`), `json` (its `body`). None: the route never loads its contract to serve a request,
   * and takes no body with fields (`refuseBodyFields`). The router holds it to the contract whenever
   * that loads (`heldTo`), and test/app/operations.test.ts holds every operation to its contract.
   */
  input?: readonly InputPart[];
  /** The Hono pattern it is routed at when that is not `path` with `{param}` as `:param` (a param with its own pattern). */
  routingPath?: string;
}

/** An operation of a group's `*.operations.ts`, its literal types kept (the contract and handler are typed by them). */
export const defineOperation = <const O extends Operation>(operation: O): O => operation;

const routingPathOf = (operation: Operation) => operation.routingPath ?? operation.path.replaceAll(/\/{(.+?)}/g, "/:$1");

const INPUT_OF_PART: Record<string, InputPart> = { query: "query", params: "param", headers: "header", body: "json" };

/**
 * The contract of `operation`, held to it: its `request` must validate exactly the operation's
 * `input` (a part the operation did not declare would go unvalidated, since a route without input
 * never loads its contract). Checked whenever a contract is loaded, to validate or for the
 * document, so a mismatch fails loudly (a 500, and the document not served) instead of silently;
 * test/app/operations.test.ts checks every route before that.
 */
function heldTo(operation: Operation, route: RouteConfig): RouteConfig {
  const parts = Object.keys(route.request ?? {});
  const validated = parts.map((part) => INPUT_OF_PART[part] ?? `unsupported request part "${part}"`).sort();
  const declared = [...(operation.input ?? [])].sort();
  if (validated.join() !== declared.join())
    throw new Error(`${operation.operationId}: declares input [${declared.join(", ")}], its contract validates [${validated.join(", ")}]`);
  return route;
}

const requirementsOf = (operation: Operation): DeclaredRequirements => ({
  permission: operation["x-permission"],
  role: operation["x-required-role"],
  emailVerified: operation["x-email-verified"],
});

/** Zod's failures as the same problem+json as every other error: 400 `validation_failed`, field by field. */
function validationHook(result: { success: boolean; error?: { issues: ValidationIssue[] } }): void {
  if (!result.success) {
    const errors = result.error!.issues.map((issue) => ({
      path: issue.path.map(String).join(".") || "(body)",
      message: issue.code === "unrecognized_keys" ? `Unknown field(s): ${issue.keys!.join(", ")}.` : issue.message,
    }));
    throw new ApiError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join(" "), { errors });
  }
}
interface ValidationIssue {
  path: PropertyKey[];
  code: string;
  message: string;
  keys?: string[];
}

/**
 * The validators of a contract, built on the first request that needs them: the ones
 * @hono/zod-openapi's `openapi()` registers for it (query, params, headers, then the body behind
 * its media-type gate), taken from a router of its own, so they behave exactly as that package's.
 */
function validation(contract: () => Promise<RouteConfig>): MiddlewareHandler<AppBindings> {
  const validators = once(async () => {
    const [{ OpenAPIHono }, config] = await Promise.all([import("@hono/zod-openapi"), contract()]);
    const router: OpenAPIHono = new OpenAPIHono({ defaultHook: validationHook });
    const end: MiddlewareHandler = async () => new Response(null);
    router.openapi({ ...config, middleware: undefined, hide: true }, end as never);
    const handlers = router.routes.map((route) => route.handler as MiddlewareHandler);
    // The package registers the validators, then the handler: should an upgrade arrange them
    // otherwise, fail here rather than run a route unvalidated.
    if (handlers.length < 2 || handlers.indexOf(end) !== handlers.length - 1)
      throw new Error(`${config.operationId}: @hono/zod-openapi registered no validators before the handler`);
    return handlers.slice(0, -1);
  });
  return async (c: Context<AppBindings>, next: Next) => {
    const chain = await validators();
    const run = async (i: number): ReturnType<MiddlewareHandler> =>
      i === chain.length ? next() : chain[i]!(c, async () => void (await run(i + 1)));
    return run(0);
  };
}

/**
 * The middleware an operation runs, from its declaration, so no route has to remember it: the auth
 * mode's own (authentication); for an operation that declares no request body, the refusal of a
 * body with fields (docs/api-conventions.md: strict bodies — an empty body or `{}` is fine); for an
 * `x-idempotent` one, the idempotency middleware, which checks the declared requirements before any
 * replay; then its validators, when it has input.
 */
function middlewareOf(operation: Operation, contract: () => Promise<RouteConfig>): MiddlewareHandler[] {
  return [
    ...(operation.middleware ?? []),
    ...(operation.input?.includes("json") ? [] : [refuseBodyFields]),
    ...(operation["x-idempotent"] ? [idempotency(requirementsOf(operation))] : []),
    ...(operation.input?.length ? [validation(contract)] : []),
  ];
}

/** A documented route: its operation and, on demand, its contract (the document is built from these). */
export interface DocumentedRoute {
  operation: Operation;
  contract: () => Promise<RouteConfig>;
}

/** A module of contracts: one route config per operation name. */
type ContractsOf<O> = { [K in keyof O]: RouteConfig };

/**
 * Every router: plain Hono, with `openapi(name, handler)` for a group's operations. `documented`
 * lists its routes in registration order, the mounted routers' included (the document's order).
 */
export class ApiRouter<
  O extends Record<string, Operation> = Record<never, Operation>,
  C extends ContractsOf<O> = ContractsOf<O>,
> extends Hono<AppBindings> {
  readonly documented: DocumentedRoute[] = [];
  readonly #operations: O | undefined;
  readonly #contracts: (() => Promise<C>) | undefined;

  constructor(operations?: O, contracts?: () => Promise<C>) {
    super();
    this.#operations = operations;
    this.#contracts = contracts && once(contracts);
  }

  /** Registers operation `name` (of the group's operations) with `handler`, typed by its contract. */
  openapi<K extends keyof O & keyof C & string>(name: K, handler: RouteHandler<C[K], AppBindings>): this {
    const operation = this.#operations?.[name];
    const contracts = this.#contracts;
    if (!operation || !contracts) throw new Error(`No operation ${name} on this router`);
    const contract = async () => heldTo(operation, (await contracts())[name]);
    this.documented.push({ operation, contract });
    this.on([operation.method], [routingPathOf(operation)], ...middlewareOf(operation, contract), handler as never);
    return this;
  }

  /** Adds a group's router at the root, its documented routes after this one's. */
  include(router: Hono<AppBindings>): this {
    this.route("/", router);
    if (router instanceof ApiRouter) this.documented.push(...router.documented);
    return this;
  }
}

/**
 * A router; with a group's operations and the loader of their contracts (`() => import("./x.routes")`),
 * one whose `openapi()` registers them.
 */
export function createRouter(): ApiRouter;
export function createRouter<O extends Record<string, Operation>, C extends ContractsOf<O>>(
  operations: O,
  contracts: () => Promise<C>,
): ApiRouter<O, C>;
export function createRouter<O extends Record<string, Operation>, C extends ContractsOf<O>>(operations?: O, contracts?: () => Promise<C>) {
  return new ApiRouter(operations, contracts);
}

export type AppRouter = ApiRouter;

/** The service context of a request. */
export const ctxOf = (c: { get: (key: "ctx") => RequestContext }) => c.get("ctx");
