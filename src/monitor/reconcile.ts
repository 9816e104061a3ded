import type Docker from "dockerode";
import { foreignCode, foreignText } from "../core/foreign-text.js";
import type { StoppedMarks } from "../deploys/stopped.js";
import type { DeployStore } from "../deploys/store.js";
import { LABEL } from "../docker/labels.js";
import type { Fleet } from "../fleet/schema.js";
import { shortDigest } from "../names.js";
import type { Alerter } from "./alerter.js";
import {
  type ContainerRef,
  type ContainerWatch,
  containerKey,
  missingKey,
  unhealthyKey,
} from "./container-watch.js";
import { expectedOn, hostPorts } from "./expected.js";

export type ReconcileDeps = {
  fleet: Fleet;
  deploys: DeployStore;
  stopped: StoppedMarks;
  alerter: Alerter;
  watch: ContainerWatch;
};

export function refOf(host: string, c: Docker.ContainerInfo): ContainerRef {
  return {
    host,
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
    project: c.Labels[LABEL.project] ?? "",
    env: c.Labels[LABEL.env] ?? "",
    labels: c.Labels,
  };
}

/**
 * Compares one host's containers with what should be there: catches what happened while the
 * event stream was down (each condition is keyed, so nothing is reported twice), closes what
 * recovered, and finds drift from the last successful deploy.
 */
export async function reconcileHost(
  host: string,
  docker: Docker,
  deps: ReconcileDeps,
  now = Date.now(),
): Promise<void> {
  const { fleet, alerter, watch } = deps;
  const all = await docker.listContainers({ all: true });
  const managed = all.filter(
    (c) =>
      c.Labels[LABEL.managed] === "true" &&
      (c.Labels[LABEL.project] ?? "") in fleet.projects &&
      (c.Labels[LABEL.env] ?? "") in fleet.environments,
  );
  const unmanaged = all.filter((c) => c.Labels[LABEL.managed] !== "true" && c.State === "running");

  for (const c of managed) {
    const ref = refOf(host, c);
    if (c.State === "running") {
      if (c.Status.includes("(unhealthy)")) await watch.healthChanged(docker, ref, "unhealthy", now);
      else if (c.Status.includes("(healthy)")) await alerter.resolve(unhealthyKey(host, c.Id));
      if (await alerter.isOpen(containerKey(host, c.Id))) await watch.checkStable(docker, ref, now);
    }
  }

  // A container removed while nobody listened: its exit or health alert has nothing left to watch.
  const ids = new Set(all.map((c) => c.Id));
  for (const item of await alerter.openContainerItems(host)) {
    if (
      (item.kind === "exited" || item.kind === "restart-loop" || item.kind === "unhealthy") &&
      !ids.has(item.containerId ?? "")
    ) {
      await alerter.resolve(item.key);
    }
  }

  for (const [envName, env] of Object.entries(fleet.environments)) {
    if (!env.hosts.includes(host)) continue;
    for (const [project, spec] of Object.entries(fleet.projects)) {
      const expected = await expectedOn(deps.deploys, project, envName, host, now);
      if (expected.inProgress) continue;
      const mine = managed.filter(
        (c) => c.Labels[LABEL.project] === project && c.Labels[LABEL.env] === envName,
      );
      const running = mine.filter((c) => c.State === "running");
      if (expected.containerName) {
        const current = mine.find((c) => c.Names.includes(`/${expected.containerName}`));
        const stopped = await deps.stopped.isSet(project, envName, host);
        if (current && current.State !== "running" && !stopped && running.length === 0) {
          // Exited while nobody listened; the same key as the live event, so never twice.
          const info = await docker
            .getContainer(current.Id)
            .inspect()
            .catch(() => undefined);
          const ref = refOf(host, current);
          if (!(await alerter.isOpen(containerKey(host, current.Id))) && !(await watch.expectedStop(ref))) {
            const at = info ? Date.parse(info.State.FinishedAt) || now : now;
            await watch.died(docker, ref, at, info ? String(info.State.ExitCode) : undefined);
          }
        }
        if (!current && running.length === 0 && !stopped) {
          alerter.raise({
            key: missingKey(host, project, envName),
            kind: "missing",
            host,
            project,
            env: envName,
            detail: `drift: no container runs; the last deploy put \`${expected.containerName}\` here`,
            eventAt: now,
          });
        } else if (running.length > 0) {
          await alerter.resolve(missingKey(host, project, envName));
        }
        const odd = running.find((c) => c.Labels[LABEL.digest] !== expected.digest);
        const digestKey = `digest:${host}:${project}:${envName}`;
        if (odd && expected.digest) {
          alerter.raise({
            key: digestKey,
            kind: "digest",
            host,
            project,
            env: envName,
            containerId: odd.Id,
            detail: `drift: \`${refOf(host, odd).name}\` runs ${shortDigest(odd.Labels[LABEL.digest] ?? "unknown")}, the last deploy was ${shortDigest(expected.digest)}`,
            eventAt: now,
          });
        } else {
          await alerter.resolve(digestKey);
        }
      }
      if (!expected.deployed) continue;
      for (const port of hostPorts(spec.ports)) {
        const squatter = unmanaged.find((c) => c.Ports.some((p) => p.PublicPort === port));
        const portKey = `port:${host}:${port}:${project}:${envName}`;
        if (squatter) {
          alerter.raise({
            key: portKey,
            kind: "port",
            host,
            project,
            env: envName,
            detail: `drift: unmanaged container ${foreignCode(refOf(host, squatter).name)} (${foreignText(squatter.Image)}) publishes port ${port} of ${project}`,
            eventAt: now,
          });
        } else {
          await alerter.resolve(portKey);
        }
      }
    }
  }
}
