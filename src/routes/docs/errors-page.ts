import { errorCatalog } from "../../lib/errors";
import { escapeHtml as escape } from "../../lib/html";

/** `code` spans in a description (the only markup the descriptions use). */
const prose = (text: string) => escape(text).replace(/`([^`]+)`/g, "<code>$1</code>");

/**
 * The error catalog that every problem's `type` points at (`/docs/errors#{code}`): each code with
 * its status, title and meaning, generated from ERROR_CODES so it cannot fall behind. No script.
 */
export function renderErrorCatalog(): string {
  const rows = errorCatalog()
    .map(
      (e) =>
        `<tr id="${e.code}"><td><a href="#${e.code}"><code>${e.code}</code></a></td><td>${e.status}</td><td>${escape(e.title)}</td><td>${prose(e.description)}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Error codes · Tours &amp; Events Organizations API</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:.5rem;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace;font-size:.9em}tr:target{background:#fff8c5}a{color:#0969da}
</style>
</head>
<body>
<h1>Error codes</h1>
<p>Every error is an RFC 9457 <code>application/problem+json</code> body: <code>{ type, title, status, detail, code, requestId, errors? }</code>.
<code>code</code> is stable and machine-readable; <code>type</code> links to its row below; <code>detail</code> is for people and may change.
See the <a href="/docs">API reference</a>.</p>
<table>
<thead><tr><th>code</th><th>status</th><th>title</th><th>meaning</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
