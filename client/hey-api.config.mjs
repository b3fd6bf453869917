// @hey-api/openapi-ts's config for the second generated client (`npm run client:generate:hey-api`):
// the production document (dist/openapi.json, written by scripts/export-openapi.mjs) → client/hey-api/
// (generated, not committed), with `.ts` import extensions so Node runs it with type stripping.
export default {
  input: "./dist/openapi.json",
  output: { path: "./client/hey-api", importFileExtension: ".ts" },
  plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
  logs: { file: false },
};
