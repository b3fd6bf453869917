// Types of dev-vars.mjs, for vitest.config.ts (the project's TypeScript does not read .mjs).
export declare const DEV_VARS: Readonly<{
  ENVIRONMENT: "development";
  APP_URL: string;
  EMAIL_PROVIDER: "outbox";
  EMAIL_FROM: string;
  PLATFORM_PERMISSIONS: string;
  JWT_SIGNING_KEYS: string;
}>;
export declare const devVarArgs: (vars?: Readonly<Record<string, string>>) => string[];
