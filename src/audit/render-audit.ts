import { foreignCode, foreignText } from "../core/foreign-text.js";
import type { Message } from "../core/message.js";
import type { AuditEntry } from "./event.js";

const ICON: Record<AuditEntry["type"], string> = {
  command: ":speech_balloon:",
  denied: ":no_entry:",
  approval: ":lock:",
  job: ":gear:",
};

function line(e: AuditEntry): string {
  const when = new Date(e.at).toISOString().replace("T", " ").slice(0, 19);
  const who = e.user ? ` <@${e.user}>` : "";
  const where = e.channel ? ` in <#${e.channel}>` : "";
  const scope = [e.project, e.env].filter(Boolean).join(" ");
  const text = e.text ? ` ${foreignCode(e.text)}` : "";
  // A job's detail is its failure as Docker or the registry said it; other details are the bot's own.
  const detail = e.detail ? ` — ${e.type === "job" ? foreignText(e.detail) : e.detail}` : "";
  return `${ICON[e.type]} ${when}${who}${where} *${e.type} ${e.action}*${scope ? ` (${scope})` : ""}${text}${detail}`;
}

/** `/audit`'s answer: one line per entry, newest first. */
export function renderAudit(entries: AuditEntry[], filter: { project?: string; env?: string }): Message {
  const scope = [filter.project, filter.env].filter(Boolean).join(" ");
  if (entries.length === 0) return { text: `No audit entries${scope ? ` for ${scope}` : ""}.` };
  const head = `*Audit trail*${scope ? ` for ${scope}` : ""} (latest ${entries.length}, newest first, times UTC):`;
  return { text: [head, ...entries.map(line)].join("\n") };
}
