import type { Message } from "../core/message.js";
import { formatDuration } from "../fleet/duration.js";
import type { Shown } from "./kinds.js";
import type { ApprovalRequest, ApprovalStatus } from "./store.js";

export const APPROVE = "approval:approve";
export const REJECT = "approval:reject";

/** A Slack mention of a user (U…) or a user group (S…). */
export const mention = (id: string) => (id.startsWith("S") ? `<!subteam^${id}>` : `<@${id}>`);

function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** The request as approvers first see it: who asked, what changes, and the two buttons. */
export function renderPending(
  request: ApprovalRequest,
  shown: Shown,
  approvers: string[],
  selfOk: boolean,
): Message {
  const who = approvers.map(mention).join(", ");
  const lines = [
    `:lock: *Approval needed:* <@${request.requestedBy}> asked to ${shown.title}`,
    ...shown.lines,
    `Approvers: ${who}${selfOk ? "" : " (not the requester)"}. Expires in ${formatDuration(request.expiresAt - request.createdAt)} (${clock(request.expiresAt)}).`,
  ];
  return {
    text: lines.join("\n"),
    buttons: [
      { action: APPROVE, label: "Approve", value: request.id, style: "primary" },
      { action: REJECT, label: "Reject", value: request.id, style: "danger" },
    ],
  };
}

/** The request after its one decision: the buttons are gone and the headline says what happened. */
export function renderDecided(request: ApprovalRequest, shown: Shown, status: ApprovalStatus): Message {
  const asked = `<@${request.requestedBy}> asked to ${shown.title}`;
  const by = status.by ? `<@${status.by}>` : "";
  let headline: string;
  switch (status.state) {
    case "approved":
      headline = `:white_check_mark: *Approved by ${by}*: ${asked}. Running it now.`;
      break;
    case "rejected":
      headline = `:no_entry_sign: *Rejected by ${by}*: ${asked}. Nothing was done.`;
      break;
    case "expired":
      headline = `:hourglass: *Expired*: ${asked}; nobody approved it within ${formatDuration(request.expiresAt - request.createdAt)}. Nothing was done.`;
      break;
    case "void":
      headline = `:warning: *Void*: ${asked}, but ${status.reason ?? "the plan changed"}. Nothing was done; run the command again to ask anew.`;
      break;
    default:
      headline = `:lock: ${asked}`;
  }
  return { text: [headline, ...shown.lines].join("\n") };
}
