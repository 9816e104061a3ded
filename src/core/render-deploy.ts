import { type DeployRecord, type HostStatus, isFinal } from "../deploys/store.js";
import { formatDuration } from "../fleet/duration.js";
import { shortCommit, shortDigest } from "../names.js";
import { foreignText } from "./foreign-text.js";
import { mention } from "./mention.js";
import type { Message } from "./message.js";

const ICON: Record<HostStatus["state"], string> = {
  queued: ":hourglass:",
  running: ":arrows_counterclockwise:",
  retrying: ":repeat:",
  succeeded: ":white_check_mark:",
  failed: ":x:",
  superseded: ":fast_forward:",
};

/** An image digest, and for a project with code the commit mounted into it: `3f1a9c0b2d4e, code 1a2b3c4`. */
export function versionText(digest: string, commit?: string): string {
  const image = digest ? shortDigest(digest) : "?";
  return commit ? `${image}, code ${shortCommit(commit)}` : image;
}

/** `@main (1a2b3c4)` for a deploy of a ref, `@1a2b3c4` when the commit itself was asked for. */
function codeText(meta: DeployRecord["meta"]): string {
  if (!meta.commit) return "";
  const short = shortCommit(meta.commit);
  return meta.ref && !meta.commit.startsWith(meta.ref) ? `@${meta.ref} (${short})` : `@${short}`;
}

function hostLine(host: string, s: HostStatus): string {
  const took = s.startedAt && s.finishedAt ? ` in ${formatDuration(s.finishedAt - s.startedAt)}` : "";
  const digest = s.digest ? ` (${versionText(s.digest, s.commit)})` : "";
  switch (s.state) {
    case "queued":
      if (s.waitsFor) return `${ICON.queued} *${host}*: waits for batch ${s.waitsFor}`;
      return `${ICON.queued} *${host}*: queued`;
    case "running":
      return `${ICON.running} *${host}*: ${s.step ?? "starting"}${digest}`;
    case "retrying":
      return `${ICON.retrying} *${host}*: will retry — ${foreignText(s.error ?? "transient error")}`;
    case "succeeded":
      if (s.replicas === 0) return `${ICON.succeeded} *${host}*: no replica left running${took}`;
      if (s.replicas && s.replicas > 1)
        return `${ICON.succeeded} *${host}*: running ${s.replicas} replicas of \`${s.containerName ?? "?"}\`${digest}${took}`;
      return `${ICON.succeeded} *${host}*: running \`${s.containerName ?? "?"}\`${digest}${took}`;
    case "failed":
      if (s.cancelledBy)
        return `${ICON.failed} *${host}*: cancelled by <@${s.cancelledBy}> before it started`;
      return `${ICON.failed} *${host}*: failed${took} — ${foreignText(s.error ?? "unknown error")}`;
    case "superseded":
      return `${ICON.superseded} *${host}*: superseded by deploy \`${s.supersededBy?.deployId ?? "?"}\` (${s.supersededBy?.tag ?? "?"}), a newer request; nothing was changed here`;
  }
}

/** The deploy message as it stands: a headline that changes with the outcome, and one line per host. */
export function renderDeploy(record: DeployRecord, rollback?: DeployRecord): Message {
  const { meta, hosts } = record;
  const what = `${meta.project}:${meta.tag}${codeText(meta)}`;
  const states = meta.hosts.map((h) => hosts[h]?.state ?? "queued");
  const rollbackDone =
    !rollback || rollback.meta.hosts.every((h) => isFinal(rollback.hosts[h]?.state ?? "queued"));
  const done = states.every(isFinal) && rollbackDone;
  const failed = states.filter((s) => s === "failed").length;
  const superseded = states.filter((s) => s === "superseded").length;
  const config = meta.configRevision ? ` with config r${meta.configRevision}` : "";
  const where = `*${meta.env}* on ${meta.hosts.join(", ")}${config}`;
  const by = mention(meta.requestedBy);
  const rollout = meta.rollout ? rolloutText(record) : "";
  let headline: string;
  if (!done) headline = `:rocket: Deploying *${what}* to ${where}${rollout}, requested by ${by}`;
  else if (rollback)
    headline = `:rewind: Rollout of *${what}* to ${where} failed${failedBatchText(record)}; the hosts that had taken it were rolled back. Requested by ${by}`;
  else if (superseded === states.length)
    headline = `:fast_forward: Deploy of *${what}* to ${where} was superseded by a newer deploy before it began; nothing was changed. Requested by ${by}`;
  else if (failed === 0)
    headline = `:white_check_mark: Deployed *${what}* to ${where}${rollout}, requested by ${by}`;
  else if (failed + superseded === states.length)
    headline = `:x: Deploy of *${what}* to ${where} failed; the previous version keeps serving. Requested by ${by}`;
  else
    headline = `:warning: Deploy of *${what}* to ${where} partly failed (${failed} of ${states.length} hosts)${rollout}; failed hosts keep the previous version. Requested by ${by}`;
  if (meta.approvedBy) headline += `, approved by <@${meta.approvedBy}>`;
  const lines = meta.hosts.map((h) => hostLine(h, hosts[h] ?? { state: "queued" }));
  if (meta.via) lines.unshift(`_${meta.via}_`);
  if (rollback) {
    lines.push(`:rewind: Rolling back to *${rollback.meta.tag}*:`);
    lines.push(...rollback.meta.hosts.map((h) => hostLine(h, rollback.hosts[h] ?? { state: "queued" })));
  }
  const rollbackFailed = rollback?.meta.hosts.some((h) => rollback.hosts[h]?.state === "failed") ?? false;
  const progress = !done ? "running" : failed === 0 && !rollbackFailed ? "succeeded" : "failed";
  return { text: [headline, ...lines].join("\n"), progress };
}

/** " at batch 2 of 3": the first batch with a failed host. */
function failedBatchText({ meta, hosts }: DeployRecord): string {
  const batches = meta.rollout?.batches ?? [];
  const at = batches.findIndex((b) => b.some((h) => hosts[h]?.state === "failed"));
  return at === -1 ? "" : ` at batch ${at + 1} of ${batches.length}`;
}

/** " in 3 batches (batch 2 running)", or where a stopped rollout ended. */
function rolloutText({ meta, hosts }: DeployRecord): string {
  const batches = meta.rollout?.batches ?? [];
  const ended = (b: string[]) => b.every((h) => isFinal(hosts[h]?.state ?? "queued"));
  const current = batches.findIndex((b) => !ended(b));
  if (current === -1) return ` in ${batches.length} batches`;
  const waiting = batches[current]?.every((h) => hosts[h]?.waitsFor !== undefined);
  return ` in ${batches.length} batches (batch ${current + (waiting ? 0 : 1)} of ${batches.length} ${waiting ? "done" : "running"})`;
}
