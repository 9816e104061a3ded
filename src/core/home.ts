import type { DeployRecord, DeployStore } from "../deploys/store.js";
import type { Fleet } from "../fleet/schema.js";
import type { Message } from "./message.js";
import { renderDeploy } from "./render-deploy.js";

const ICON = { running: ":arrows_counterclockwise:", succeeded: ":white_check_mark:", failed: ":x:" };

/**
 * The newest deploys of every project and environment of the fleet, newest first; only of
 * `envs` when the viewer may not see every environment.
 */
export async function latestDeploys(
  store: DeployStore,
  fleet: Fleet,
  limit = 10,
  envs = Object.keys(fleet.environments),
): Promise<DeployRecord[]> {
  const pairs = Object.keys(fleet.projects).flatMap((p) => envs.map((e) => [p, e]));
  const lists = await Promise.all(pairs.map(([p, e]) => store.history(p as string, e as string, 3)));
  return lists
    .flat()
    .sort((a, b) => b.meta.createdAt - a.meta.createdAt)
    .slice(0, limit);
}

/** The App Home tab: what the fleet is, then the latest deploys with their outcome. */
export function renderHome(
  fleet: Fleet,
  deploys: DeployRecord[],
  now = Date.now(),
  visible = Object.keys(fleet.environments),
): Message {
  const envs = Object.entries(fleet.environments)
    .filter(([name]) => visible.includes(name))
    .map(([name, env]) => `• *${name}*: ${env.hosts.join(", ")}${env.approval ? " (needs approval)" : ""}`);
  const lines = deploys.map((record) => {
    const { meta } = record;
    const progress = renderDeploy(record).progress ?? "running";
    return `${ICON[progress]} *${meta.project}:${meta.tag}* → *${meta.env}* on ${meta.hosts.join(", ")}, by <@${meta.requestedBy}>, ${ago(now - meta.createdAt)}`;
  });
  return {
    text: [
      "*dockops*",
      `${Object.keys(fleet.hosts).length} hosts, ${Object.keys(fleet.projects).length} projects. Environments:`,
      ...envs,
      "",
      "*Latest deploys*",
      ...(lines.length > 0 ? lines : ["No deploys yet. Try `/deploy` in a channel."]),
    ].join("\n"),
  };
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
