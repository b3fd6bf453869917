// Compile-time checks of the generated types (`tsc -p client`, part of `npm run typecheck` and CI):
// the document must say `null` only where a value can be null, list every permission key as
// required, and offer the permission enum. A wrong document makes this file fail to compile.
import type { components } from "./schema.d.ts";

type Schemas = components["schemas"];
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

export type Checks = [
  // Nullable at the use site only: a plain union, not `Organization & (Record<string, never> | null)`.
  Expect<Equal<Schemas["SessionView"]["organization"], Schemas["Organization"] | null>>,
  Expect<Equal<Schemas["SessionView"]["role"], Schemas["RoleRef"] | null>>,
  Expect<Equal<Schemas["AcceptResult"]["organization"], Schemas["Organization"] | null>>,
  // RoleRef itself is never null where it is referenced plainly.
  Expect<Equal<Schemas["Member"]["role"], Schemas["RoleRef"]>>,
  Expect<Equal<null extends Schemas["RoleRef"] ? true : false, false>>,
  // Every catalog permission is a required boolean key of the map.
  Expect<Equal<Schemas["PermissionsView"]["permissions"], { [P in Schemas["Permission"]]: boolean }>>,
  // Role permissions are typed as the enum, on input and output.
  Expect<Equal<NonNullable<Schemas["RoleCreateInput"]["permissions"]>, Schemas["Permission"][]>>,
  Expect<Equal<Schemas["Role"]["permissions"], Schemas["Permission"][]>>,
  Expect<Equal<"users.read" extends Schemas["Permission"] ? true : false, true>>,
];
