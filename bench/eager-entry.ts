// Measurement only (npm run check:bundle): the worker as it would start if the HTTP app were built
// at module load. `wrangler check startup` on it, minus on src/index.ts, is what the first HTTP
// request in an isolate pays to build the app. Never deployed.
import { createApp } from "../src/app";

const app = createApp({ ENVIRONMENT: "production" });
export default { fetch: app.fetch };
