import { env } from "cloudflare:test";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import worker from "../../src/index";
import type { Env } from "../../src/env";
import type { DocumentOperation as Operation, OpenApiDocument } from "./document";

/**
 * The contract check behind every `call()`: the response a test receives must be one the served
 * OpenAPI document promises — its status documented for the operation (the request's method and
 * path matched against the document's paths), its content type, its body valid against the schema
 * (ajv, JSON Schema 2020-12, which OpenAPI 3.1 schemas are), and the headers it marks required.
 * ajv compiles validators with `new Function`; the vitest pool's workerd allows that (the Worker
 * in production never loads this file).
 */

interface Contract {
  document: OpenApiDocument;
  paths: { template: string; pattern: RegExp; params: number; operations: Record<string, Operation> }[];
  validator(pointer: string): ValidateFunction;
}

const DOCUMENT_ID = "openapi";
const loading = new Map<string, Promise<Contract>>();

/**
 * Loads the document the worker serves under `served`'s ENVIRONMENT (once per test file and
 * environment: the development routes are in the development document only) and prepares the
 * validators.
 */
function contract(served: Env): Promise<Contract> {
  const cached = loading.get(served.ENVIRONMENT);
  if (cached) return cached;
  const loaded = (async () => {
    const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("http://localhost/api/openapi.json") as Parameters<typeof worker.fetch>[0], served, ctx);
    await waitOnExecutionContext(ctx);
    if (res.status !== 200) throw new Error(`contract: GET /api/openapi.json answered ${res.status}`);
    const document = (await res.json()) as OpenApiDocument;

    // The whole document is one schema resource: `#/components/schemas/X` inside it resolves as is.
    // strict: false ignores the OpenAPI-only keywords (`example`, …) and the non-schema members.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    const compiled = new Map<string, ValidateFunction>();
    const validator = (pointer: string) => {
      let fn = compiled.get(pointer);
      if (!fn) compiled.set(pointer, (fn = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` })));
      return fn;
    };

    const paths = Object.entries(document.paths).map(([template, operations]) => ({
      template,
      operations,
      params: (template.match(/\{/g) ?? []).length,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+")}/?$`),
    }));
    // The most specific template first: `/api/organizations/me` before `/api/organizations/{id}`.
    paths.sort((a, b) => a.params - b.params);
    return { document, paths, validator };
  })();
  loading.set(served.ENVIRONMENT, loaded);
  return loaded;
}

const pointerPart = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");
const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? [])
    .map(
      (e) =>
        `  ${e.instancePath || "(body)"} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""}`,
    )
    .join("\n");

export interface ReceivedResponse {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/**
 * Throws when `response` to `method path` is not what the document promises — the document the
 * worker serves with `served` (the test env by default). Paths outside /api/ (pages, /docs) and the
 * document itself are not operations; an /api/ path the document does not have must be a
 * problem+json 404 (nothing else to check it against).
 */
export async function assertContract(method: string, rawPath: string, response: ReceivedResponse, served: Env = env as Env): Promise<void> {
  const path = new URL(rawPath, "http://localhost").pathname;
  if (!path.startsWith("/api/") || path === "/api/openapi.json") return;
  const { document, paths, validator } = await contract(served);
  const where = `${method} ${rawPath} → ${response.status}`;
  const fail = (message: string): never => {
    throw new Error(`Contract: ${where}: ${message}\n  body: ${response.text.slice(0, 500)}`);
  };

  const known = paths.find((p) => p.pattern.test(path));
  const verb = method.toLowerCase();
  if (!known) {
    if (response.status !== 404) fail("the path is not in the document, and the answer is not a 404");
    return checkBody(validator, `/components/schemas/Problem`, response, "application/problem+json", fail);
  }
  if (verb === "options" && response.status === 204) return; // a CORS preflight, answered before any route
  let operation = known.operations[verb];
  let operationPath = `/paths/${pointerPart(known.template)}/${verb}`;
  if (!operation) {
    // A method the path does not serve: the 405 every operation of the path documents.
    if (response.status !== 405) fail(`${known.template} has no ${method} operation, and the answer is not its documented 405`);
    const [otherVerb, other] = Object.entries(known.operations)[0]!;
    operation = other;
    operationPath = `/paths/${pointerPart(known.template)}/${otherVerb}`;
  }
  const name = `${operation.operationId ?? `${method} ${known.template}`}`;
  const documented = operation.responses[String(response.status)];
  if (!documented) fail(`${name} does not document ${response.status} (documents ${Object.keys(operation.responses).join(", ")})`);

  for (const [header, ref] of Object.entries(documented!.headers ?? {})) {
    const definition = ref.$ref ? document.components.headers?.[ref.$ref.split("/").pop()!] : ref;
    if (definition?.required && !response.headers.has(header)) fail(`${name} ${response.status} must carry the header ${header}`);
  }

  const content = documented!.content;
  const contentType = response.headers.get("content-type")?.split(";")[0]!.trim().toLowerCase();
  if (!content) {
    if (response.text !== "") fail(`${name} ${response.status} documents no body, yet one came (${contentType})`);
    return;
  }
  if (!contentType || !(contentType in content))
    fail(`${name} ${response.status} documents ${Object.keys(content).join(", ")}, got content-type ${contentType}`);
  const pointer = `${operationPath}/responses/${response.status}/content/${pointerPart(contentType!)}/schema`;
  checkBody(validator, pointer, response, contentType!, fail);
}

function checkBody(
  validator: Contract["validator"],
  pointer: string,
  response: ReceivedResponse,
  expectedType: string,
  fail: (m: string) => never,
) {
  const contentType = response.headers.get("content-type")?.split(";")[0]!.trim().toLowerCase();
  if (contentType !== expectedType) fail(`expected content-type ${expectedType}, got ${contentType}`);
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    fail("the body is not JSON");
  }
  const validate = validator(pointer);
  if (!validate(body))
    fail(`the body does not match ${pointer.replace(/^\/components\/schemas\//, "")}:\n${describeErrors(validate.errors)}`);
}
