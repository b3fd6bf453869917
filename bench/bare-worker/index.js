// The physical limit for `npm run bench`: a Worker that answers every request with one fixed
// Response — no bindings, no router, no middleware — served by the same wrangler/workerd as the app.
const body = JSON.stringify({ status: "ok" });

export default {
  fetch() {
    return new Response(body, { headers: { "content-type": "application/json" } });
  },
};
