import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes SQL migrations into migrations/, the folder that
// `wrangler d1 migrations apply` and the test setup (readD1Migrations) read.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
});
