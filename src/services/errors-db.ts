/** True when D1 refused a write because of a UNIQUE index (the race-safe duplicate check). */
export function isUniqueViolation(error: unknown, indexOrColumn?: string): boolean {
  const text = String((error as { cause?: unknown })?.cause ?? "") + String(error);
  return text.includes("UNIQUE constraint failed") && (!indexOrColumn || text.includes(indexOrColumn));
}
