/** How long audit entries stay when the fleet file sets no `audit.retention`: 400 days. */
export const AUDIT_RETENTION_MS = 400 * 86_400_000;
