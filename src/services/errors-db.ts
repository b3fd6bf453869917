/** True when D1 refused a write because of a UNIQUE index (the race-safe duplicate check). */
export function isUniqueViolation(error: unknown, indexOrColumn?: string): boolean {
  const text = String((error as { cause?: unknown })?.cause ?? "") + String(error);
  return text.includes("UNIQUE constraint failed") && (!indexOrColumn || text.includes(indexOrColumn));
}

/** True when D1 refused a write that gave a holder a role that no longer exists (migrations/0002 triggers). */
export function isRoleNotFound(error: unknown): boolean {
  const text = String((error as { cause?: unknown })?.cause ?? "") + String(error);
  return text.includes("role_not_found");
}
