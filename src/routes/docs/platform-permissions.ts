import type { PermissionCatalog } from "../../domain/permissions";

type Schema = {
  enum?: string[];
  properties?: Record<string, unknown>;
  required?: string[];
  additionalProperties?: unknown;
  description?: string;
};
type Document = { components?: { schemas?: Record<string, Schema & { properties?: Record<string, Schema> }> } };

/**
 * The document with the platform's permissions (PLATFORM_PERMISSIONS) where it lists permissions:
 * the `Permission` enum and the keys of the permission map (`PermissionsView.permissions`). The
 * zod schemas are built once per app, the catalog per isolate, so they join here, on a copy.
 */
export function withPlatformPermissions<T extends object>(document: T, catalog: PermissionCatalog): T {
  const copy = structuredClone(document) as T & Document;
  const schemas = copy.components?.schemas ?? {};
  const permission = schemas.Permission;
  if (permission?.enum) permission.enum = [...catalog.all];
  const map = schemas.PermissionsView?.properties?.permissions;
  if (map?.properties) {
    for (const name of catalog.platform) map.properties[name] = { type: "boolean" };
    map.required = [...catalog.all];
    map.additionalProperties = false;
  }
  return copy;
}
