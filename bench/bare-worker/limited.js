// The bare Worker of bench/bare-worker/index.js plus one Rate Limiting binding call per request,
// keyed by the caller's Authorization header as the app keys it by the API key: what one `limit()`
// costs on this toolchain, with nothing of the app around it (npm run bench:traffic).
const body = JSON.stringify({ status: "ok" });

export default {
  async fetch(request, env) {
    const { success } = await env.LIMIT.limit({ key: request.headers.get("authorization") ?? "" });
    return new Response(body, { status: success ? 200 : 429, headers: { "content-type": "application/json" } });
  },
};
