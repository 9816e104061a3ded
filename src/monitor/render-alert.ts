import { foreignBlock } from "../core/foreign-text.js";
import type { Button, Message } from "../core/message.js";
import { formatDuration } from "../fleet/duration.js";
import type { AlertItem, AlertRecord } from "./alert-store.js";

export const ALERT_ACTIONS = {
  restart: "alert:restart",
  logs: "alert:logs",
  rollback: "alert:rollback",
  silence: "alert:silence",
  restartProxy: "alert:restart-proxy",
} as const;

function where(item: AlertItem): string {
  return item.project ? `*${item.project}* (${item.env}) on *${item.host}*` : `*${item.host}*`;
}

function itemLine(item: AlertItem): string {
  const state = item.resolvedAt
    ? `:white_check_mark: resolved after ${formatDuration(item.resolvedAt - item.eventAt)}: `
    : "";
  return `${state}${where(item)}: ${item.detail}`;
}

/** A resource alert's recent readings, kept once resolved: how it rose is worth seeing afterwards. */
function trendLine(item: AlertItem, indent = ""): string[] {
  return item.trend ? [`${indent}${item.trend}`] : [];
}

/** Log or health output (masked where it was read) as a code block, escaped for mrkdwn. */
function outputBlock(item: AlertItem, max = 20): string[] {
  if (!item.output || item.output.length === 0 || item.resolvedAt) return [];
  return foreignBlock(item.output.slice(-max));
}

/**
 * One alert message: a single condition, or a group (a flood on one host and environment).
 * Once every condition has recovered the buttons go and the header says how long it lasted.
 */
export function renderAlert(record: AlertRecord): Message {
  const { meta, items } = record;
  const open = items.filter((i) => !i.resolvedAt);
  const lastResolved = Math.max(...items.map((i) => i.resolvedAt ?? 0));
  const resolved = open.length === 0;
  const header = resolved
    ? `:white_check_mark: Resolved after ${formatDuration(lastResolved - meta.openedAt)}:`
    : ":rotating_light:";
  let text: string;
  if (items.length === 1) {
    const item = items[0] as AlertItem;
    text = [`${header} ${where(item)}: ${item.detail}`, ...trendLine(item), ...outputBlock(item)].join("\n");
  } else {
    const scope = meta.env ? `*${meta.env}* on *${meta.host}*` : `*${meta.host}*`;
    const count = resolved ? "" : ` (${open.length} open)`;
    text = [
      `${header} ${items.length} alerts in ${scope}${count}:`,
      ...items.flatMap((i) => [`• ${itemLine(i)}`, ...trendLine(i, "   "), ...outputBlock(i, 3)]),
    ].join("\n");
  }
  const actionable = open.some((i) => i.project);
  const buttons: Button[] = actionable
    ? [
        { action: ALERT_ACTIONS.restart, label: "Restart", value: meta.id, style: "primary" },
        { action: ALERT_ACTIONS.logs, label: "Show logs", value: meta.id },
        { action: ALERT_ACTIONS.rollback, label: "Roll back", value: meta.id, style: "danger" },
        { action: ALERT_ACTIONS.silence, label: "Silence 1h", value: meta.id },
      ]
    : [];
  // A proxy alert is about a host, like an unreachable one: no project to silence, only its proxy.
  if (open.some((i) => i.kind === "proxy"))
    buttons.push({ action: ALERT_ACTIONS.restartProxy, label: "Restart proxy", value: meta.id });
  return buttons.length > 0 ? { text, buttons } : { text };
}
