import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Operation } from "./router";

/** What a contract adds to its operation: the document's words and the request and response schemas. */
type ContractPart = Omit<RouteConfig, "method" | "path" | "operationId" | "security" | "middleware">;

/**
 * An operation's contract (the route config @hono/zod-openapi and the document read): the operation
 * as documented (without what only the router reads: its middleware, `input`, `routingPath`) and
 * the rest. Lives in a group's `*.routes.ts`, which is evaluated only for validation or the document.
 */
export function contract<const O extends Operation, R extends ContractPart>(operation: O, rest: R) {
  const { middleware: _middleware, input: _input, routingPath: _routingPath, method, operationId, path, ...requirements } = operation;
  const { request, responses, ...words } = rest;
  // In the order the document has always shown an operation's keys: what and where, its words, who, what it takes and gives.
  const route = { method, operationId, path, ...words, ...requirements, ...(request === undefined ? {} : { request }), responses };
  return createRoute(route as Omit<O, "middleware" | "input" | "routingPath"> & R);
}
