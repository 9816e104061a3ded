import type { ConfigRevision } from "../config/config-store.js";
import { type ConfigDiff, showValue, type ViewEntry } from "../config/view.js";
import type { Message } from "./message.js";

const when = (at: number) => `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;

export function renderList(where: string, head: number, view: Map<string, ViewEntry>): string {
  const title = `*${where}* config at r${head}${head === 0 ? " (nothing stored yet)" : ""}:`;
  if (view.size === 0) return `${title}\nno keys; set one with \`/config set\`.`;
  const lines = [...view.values()].map(
    (e) => `• \`${e.key}\` = ${showValue(e)}${e.source === "fleet" ? " _(fleet file)_" : ""}`,
  );
  return [title, ...lines].join("\n");
}

export function renderHistory(where: string, revisions: ConfigRevision[]): string {
  if (revisions.length === 0) return `*${where}* has no stored config yet.`;
  const lines = revisions.map((r) => {
    const what = r.op === "revert" ? `reverted to r${r.revertedTo ?? "?"}, changing` : r.op;
    return `• *r${r.rev}* — <@${r.by}>, ${when(r.at)} — ${what} ${r.changed.map((k) => `\`${k}\``).join(", ")}`;
  });
  return [`*${where}* config history (newest first):`, ...lines].join("\n");
}

export function renderDiff(project: string, envA: string, envB: string, diff: ConfigDiff): string {
  const lines = [`*${project}* config, *${envA}* vs *${envB}*:`];
  const keys = (entries: ViewEntry[]) => entries.map((e) => `\`${e.key}\``).join(", ");
  if (diff.onlyA.length > 0) lines.push(`• only in *${envA}*: ${keys(diff.onlyA)}`);
  if (diff.onlyB.length > 0) lines.push(`• only in *${envB}*: ${keys(diff.onlyB)}`);
  for (const { a, b } of diff.different) {
    lines.push(`• \`${a.key}\` differs: *${envA}* ${showValue(a)}, *${envB}* ${showValue(b)}`);
  }
  if (diff.unknown.length > 0) {
    lines.push(
      `• cannot compare secrets without CONFIG_ENCRYPTION_KEY: ${diff.unknown.map((k) => `\`${k}\``).join(", ")}`,
    );
  }
  const differs = diff.onlyA.length + diff.onlyB.length + diff.different.length + diff.unknown.length;
  lines.push(differs === 0 ? `Identical (${diff.same} keys).` : `${diff.same} other keys are the same.`);
  return lines.join("\n");
}

/** After a change: what changed, and that running containers keep the old config until a deploy. */
export function renderChanged(input: {
  project: string;
  env: string;
  revision: number;
  summary: string;
}): Message {
  const redeploy = `/deploy ${input.project} ${input.env}`;
  return {
    text: [
      `:white_check_mark: *${input.project}/${input.env}* config is now *r${input.revision}*: ${input.summary}.`,
      `Running containers are unchanged until the next deploy: \`${redeploy}\``,
    ].join("\n"),
    buttons: [
      {
        action: "config-redeploy",
        label: `Redeploy ${input.project} to ${input.env}`,
        value: `${input.project} ${input.env}`,
      },
    ],
  };
}
