// Types of aliases.mjs, for vitest.config.ts (the project's TypeScript does not read .mjs).
export interface Alias {
  readonly find: string;
  readonly replacement: string;
  readonly replaces: readonly string[];
  readonly importers: readonly string[];
  readonly why: string;
}
export declare const ALIASES: readonly Alias[];
export declare function aliasMap(aliases?: readonly Alias[]): Record<string, string>;
