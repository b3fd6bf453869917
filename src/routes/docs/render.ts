import { escapeHtml as escape } from "../../lib/html";

/**
 * The human docs at /docs, rendered on the server from the OpenAPI document: no JavaScript, no
 * CDN, nothing to download, so it works offline and on any device.
 */
type Schema = Record<string, unknown> & { $ref?: string };

export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  /** What the caller must hold (see src/routes/auth-modes.ts). */
  "x-permission"?: string;
  "x-required-role"?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}

/** Minimal markdown: paragraphs, **bold** and `code`. */
const prose = (text = "") =>
  text
    .split(/\n\s*\n/)
    .map((p) => `<p>${escape(p).replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>").replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`)
    .join("");

function refName(ref: string) {
  return ref.split("/").pop()!;
}

function typeLabel(schema: Schema, doc: OpenApiDocument): string {
  if (schema.$ref) return `<a href="#schema-${refName(schema.$ref)}">${escape(refName(schema.$ref))}</a>`;
  const anyOf = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (anyOf) return anyOf.map((s) => typeLabel(s, doc)).join(" | ");
  if (schema.enum) return (schema.enum as unknown[]).map((v) => `<code>${escape(JSON.stringify(v))}</code>`).join(" | ");
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : String(schema.type ?? "any");
  if (type === "array" && schema.items) return `array of ${typeLabel(schema.items as Schema, doc)}`;
  return escape(type + (schema.format ? ` (${schema.format})` : ""));
}

function fieldsTable(schema: Schema, doc: OpenApiDocument): string {
  const target = schema.$ref ? doc.components?.schemas?.[refName(schema.$ref)] ?? schema : schema;
  const properties = target.properties as Record<string, Schema> | undefined;
  if (!properties) return `<p>${typeLabel(schema, doc)}</p>`;
  const required = new Set((target.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties)
    .map(
      ([name, prop]) =>
        `<tr><td><code>${escape(name)}</code></td><td>${typeLabel(prop, doc)}</td><td>${required.has(name) ? "required" : "optional"}</td><td>${prose(String(prop.description ?? ""))}</td></tr>`,
    )
    .join("");
  const title = schema.$ref ? `<p class="muted">Schema <a href="#schema-${refName(schema.$ref)}">${escape(refName(schema.$ref))}</a></p>` : "";
  return `${title}<table><thead><tr><th>Field</th><th>Type</th><th></th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function operationHtml(method: string, path: string, op: Operation, doc: OpenApiDocument): string {
  const id = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-");
  const requirement = op["x-permission"] ? `, permission ${op["x-permission"]}` : op["x-required-role"] ? `, role ${op["x-required-role"]}` : "";
  const auth = (op.security?.length ? op.security.map((s) => Object.keys(s)[0] ?? "none").join(" · ") : "none") + requirement;
  const params = op.parameters?.length
    ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${op.parameters
        .map(
          (p) =>
            `<tr><td><code>${escape(p.name)}</code>${p.required ? " *" : ""}</td><td>${p.in}</td><td>${p.schema ? typeLabel(p.schema, doc) : ""}</td><td>${prose(p.description ?? "")}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "";
  const bodySchema = op.requestBody?.content["application/json"]?.schema;
  const body = bodySchema ? `<h4>Request body <span class="muted">application/json, unknown fields rejected</span></h4>${fieldsTable(bodySchema, doc)}` : "";
  const responses = Object.entries(op.responses)
    .map(([status, r]) => {
      const schema = r.content && Object.values(r.content)[0]?.schema;
      return `<tr><td><span class="status s${status[0]}">${status}</span></td><td>${escape(r.description)}</td><td>${schema ? typeLabel(schema, doc) : ""}</td></tr>`;
    })
    .join("");
  return `<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
<p class="summary">${escape(op.summary ?? "")} <span class="muted">Auth: ${escape(auth)}</span></p>
${prose(op.description)}${params}${body}
<h4>Responses</h4><table><tbody>${responses}</tbody></table></section>`;
}

export function renderDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const nav = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op, doc)]);
      const id = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-");
      nav.set(tag, [...(nav.get(tag) ?? []), `<li><a href="#${id}"><span class="method ${method}">${method.toUpperCase()}</span> ${escape(path)}</a></li>`]);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, schema]) => `<section class="op" id="schema-${name}"><h3>${escape(name)}</h3>${prose(String(schema.description ?? ""))}${fieldsTable(schema, doc)}</section>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)} — reference</title>
<style>
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--line:#d9dee4;--code:#f3f5f7}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ed;--muted:#9aa4af;--bg:#111418;--line:#2a3139;--code:#1b2026}}
body{margin:0;font:15px/1.55 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
.layout{display:grid;grid-template-columns:minmax(220px,300px) 1fr}
nav{position:sticky;top:0;height:100vh;overflow:auto;border-right:1px solid var(--line);padding:1rem;font-size:13px}
nav ul{list-style:none;padding:0;margin:0 0 1rem}nav a{color:inherit;text-decoration:none;display:block;padding:2px 0}
main{padding:1.5rem 2rem;max-width:960px}
code{background:var(--code);padding:1px 4px;border-radius:4px;font-size:13px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:14px}td,th{border-bottom:1px solid var(--line);padding:6px;text-align:left;vertical-align:top}td p{margin:0}
.op{border-top:1px solid var(--line);padding-top:.5rem;margin-top:1.5rem}
.method{display:inline-block;min-width:52px;font:600 11px/1.8 ui-monospace,monospace;text-align:center;border-radius:4px;color:#fff;background:#6b7280}
.get{background:#2563eb}.post{background:#059669}.patch{background:#d97706}.put{background:#7c3aed}.delete{background:#dc2626}
.status{font-family:ui-monospace,monospace;font-weight:600}.s2{color:#059669}.s4{color:#d97706}.s5{color:#dc2626}
.muted{color:var(--muted);font-size:13px}
@media (max-width:760px){.layout{display:block}nav{position:static;height:auto;border-right:0;border-bottom:1px solid var(--line)}main{padding:1rem}}
</style></head><body><div class="layout">
<nav aria-label="Endpoints"><p><strong>${escape(doc.info.title)}</strong> <span class="muted">v${escape(doc.info.version)}</span></p>
${[...nav].map(([tag, items]) => `<p><strong>${escape(tag)}</strong></p><ul>${items.join("")}</ul>`).join("")}
<p><a href="/api/openapi.json">OpenAPI 3.1 JSON</a></p></nav>
<main><h1>${escape(doc.info.title)}</h1>${prose(doc.info.description)}
${[...byTag].map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join("")}`).join("")}
<h2>Schemas</h2>${schemas}</main></div></body></html>`;
}
