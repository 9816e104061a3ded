import type { DeployRequest, HostTarget } from "../core/deploy-service.js";
import { describeLock, type EnvLocks } from "../deploys/env-lock.js";
import type { RunningContainer, RunningReader } from "../docker/running.js";
import { errorMessage } from "../errors.js";
import type { RegistryClient } from "../registry/client.js";
import { ephemeral, type Reply } from "./message.js";
import { versionText } from "./render-deploy.js";

export type PreviewDeps = { running: RunningReader; registry: RegistryClient; locks: EnvLocks };

const image = (digest: string, tag: string, commit?: string) => `\`${versionText(digest, commit)}\` (${tag})`;

function current(running: RunningContainer[]): string {
  if (running.length === 0) return "nothing running";
  const seen = [...new Set(running.map((c) => image(c.digest, c.version, c.commit)))];
  return seen.join(" + ");
}

function hostLine(target: HostTarget, running: RunningContainer[] | { error: string }, next: string): string {
  if (!Array.isArray(running)) return `• *${target.host}*: cannot read its containers (${running.error})`;
  const replicas = target.replicas ?? Math.max(1, running.length);
  const count = replicas === running.length ? "" : ` · ${running.length} → ${replicas} replica(s)`;
  const replaced = running.length > 0 ? ` · replaces ${running.map((c) => `\`${c.name}\``).join(", ")}` : "";
  const to = replicas === 0 ? "nothing (retired)" : next;
  return `• *${target.host}*: ${current(running)} → ${to}${count}${replaced}`;
}

/**
 * `--dry-run`: what a deploy request would do, read live from the hosts' container labels and
 * from the registry. Nothing is stored and no job is queued.
 */
export function createPreview(deps: PreviewDeps): (req: DeployRequest) => Promise<Reply> {
  return async (req) => {
    const hosts = req.targets.map((t) => t.host);
    const tags = [...new Set(req.targets.filter((t) => !t.digest).map((t) => t.tag))];
    const [running, resolved, lock] = await Promise.all([
      deps.running(hosts, req.project, req.env),
      Promise.all(
        tags.map((tag) =>
          deps.registry.resolveDigest(req.image, tag).then(
            (digest) => image(digest, tag),
            (err: unknown) => `\`${tag}\`, which the registry cannot resolve (${errorMessage(err)})`,
          ),
        ),
      ),
      deps.locks.get(req.project, req.env),
    ]);
    const next = (t: HostTarget) =>
      t.digest ? image(t.digest, t.tag, t.commit) : (resolved[tags.indexOf(t.tag)] ?? "?");
    const lines = req.targets.map((t) => hostLine(t, running[t.host] ?? [], next(t)));
    // Resolving the ref means a git fetch on a worker: a dry run only names it.
    if (req.ref !== undefined && req.targets.some((t) => !t.commit)) {
      lines.push(`• code at \`${req.ref}\`: a real run mounts the commit it points to then`);
    }
    return ephemeral(
      [
        `:mag: Dry run — nothing was done. Would deploy *${req.project}:${req.tag}* to *${req.env}*${req.via ? ` (${req.via})` : ""}:`,
        ...lines,
        ...(lock ? [`:lock: but *${req.env}* is ${describeLock(lock)}, so a real run would be refused`] : []),
      ].join("\n"),
    );
  };
}
