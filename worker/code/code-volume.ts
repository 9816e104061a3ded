import { createReadStream } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { dockerReason } from "../../src/docker/errors.js";
import { LABEL, projectFilter } from "../../src/docker/labels.js";
import { DeployFailedError } from "../../src/errors.js";
import { archiveCheckout } from "../build/fetch-source.js";
import { withCheckout } from "./resolve-commit.js";

/** A project's code at one commit, as one deploy puts it on one host. */
export type CodeDelivery = {
  project: string;
  env: string;
  commit: string;
  repo: string;
  /** An image already on the host: the short-lived copying container is created from it. */
  image: string;
};

const COMPLETE = "dockops.code-complete";

/**
 * Per project, environment and commit. The environment is in the name because only one deploy
 * of a project+env+host runs at a time: the deploy that prunes the volumes of its environment
 * can never remove one that a concurrent deploy has just filled and not yet mounted.
 */
export function codeVolumeName(project: string, env: string, commit: string): string {
  return `dockops-code-${project}-${env}-${commit}`;
}

/**
 * A volume's labels cannot change once it exists, and a marker file would be served with the
 * code: an empty second volume, created only after the copy ended, says the copy is complete.
 */
const markerName = (volume: string) => `${volume}.complete`;

async function exists(docker: Docker, volume: string): Promise<boolean> {
  try {
    await docker.getVolume(volume).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

function labelsOf(d: CodeDelivery): Record<string, string> {
  return {
    [LABEL.managed]: "true",
    [LABEL.codeProject]: d.project,
    [LABEL.env]: d.env,
    [LABEL.commit]: d.commit,
  };
}

/**
 * Puts the commit's files into its volume on the host, through the Docker API only: the volume,
 * a container that mounts it and is never started, and `putArchive` of the checked-out tree.
 * Skipped when a complete copy is there; a copy a crash cut short is simply written again.
 * Returns the volume's name.
 */
export async function placeCode(docker: Docker, d: CodeDelivery): Promise<string> {
  const volume = codeVolumeName(d.project, d.env, d.commit);
  if ((await exists(docker, markerName(volume))) && (await exists(docker, volume))) return volume;
  await docker.createVolume({ Name: volume, Labels: labelsOf(d) });
  await withCheckout(d.repo, d.commit, async (dir, commit) => {
    if (commit !== d.commit) {
      throw new DeployFailedError(
        `the repository gave commit ${commit} for ${d.commit}; nothing was mounted`,
      );
    }
    // Inside .git, so it goes with the checkout and is not part of the tree it archives.
    const tar = join(dir, ".git", "dockops-code.tar");
    await archiveCheckout(dir, tar);
    const copier = await docker.createContainer({
      Image: d.image,
      // Never started: Docker writes into a created container's volumes without running it.
      Entrypoint: ["/dockops-code-copy"],
      Labels: { [LABEL.codeProject]: d.project },
      HostConfig: { Binds: [`${volume}:/code`] },
    });
    try {
      await copier.putArchive(createReadStream(tar), { path: "/code" });
    } finally {
      await copier.remove({ force: true, v: false });
    }
  });
  await docker.createVolume({ Name: markerName(volume), Labels: { ...labelsOf(d), [COMPLETE]: "true" } });
  return volume;
}

/**
 * Removes the code volumes of the project+env whose commit no container of it uses, running or
 * stopped and kept for a rollback. Content before marker: a volume Docker will not remove keeps
 * its marker, and a marker left alone by a crash only makes the next deploy copy again.
 */
export async function pruneCodeVolumes(
  docker: Docker,
  project: string,
  env: string,
  log: Logger,
): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: projectFilter(project, env) });
  const used = new Set(containers.map((c) => c.Labels?.[LABEL.commit]).filter(Boolean));
  const { Volumes } = await docker.listVolumes({
    filters: { label: [`${LABEL.codeProject}=${project}`, `${LABEL.env}=${env}`] },
  });
  const content = (Volumes ?? []).filter((v) => v.Labels?.[COMPLETE] !== "true");
  for (const v of content) {
    if (used.has(v.Labels?.[LABEL.commit] ?? "")) continue;
    try {
      await docker.getVolume(v.Name).remove();
      await docker
        .getVolume(markerName(v.Name))
        .remove()
        .catch(() => undefined);
    } catch (err) {
      log.warn({ volume: v.Name, err: dockerReason(err) }, "could not prune a code volume");
    }
  }
}
