/**
 * One line of the audit trail. `type` says what happened; the rest says who, where and to what.
 * Command text is masked before it gets here (see `maskCommandText`).
 */
export type AuditEvent = {
  type: "command" | "denied" | "approval" | "job";
  /** What happened, e.g. "requested", "approved", "rejected", "expired", "void", "started". */
  action: string;
  user?: string;
  channel?: string;
  project?: string;
  env?: string;
  /** Masked command text, or the plan kind, job name, host. */
  text?: string;
  detail?: string;
};

export type AuditEntry = AuditEvent & { id: string; at: number };

/** Records an event; never throws and never blocks the caller (auditing must not stop a deploy). */
export type Audit = (event: AuditEvent) => void;
