import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { DockerHosts } from "../../src/docker/connect.js";
import { onHost } from "../../src/docker/errors.js";
import type { Fleet } from "../../src/fleet/schema.js";
import { type BuildProgress, type BuildResult, buildJobSchema } from "../../src/jobs/build-schemas.js";
import type { BuildCancels } from "../../src/queue/build-cancels.js";
import type { RegistryClient } from "../../src/registry/client.js";
import { buildTags } from "./build-tags.js";
import { fetchSource, withoutCredentials } from "./fetch-source.js";
import { BuildCancelled, buildImage, pushTag } from "./run-build.js";

export type BuildDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  registry: RegistryClient;
  log: Logger;
  /** `/cancel` requests, checked every second until the push begins. */
  cancels?: Pick<BuildCancels, "requested">;
};

/** Watches for `/cancel` of this job; `by` says who once it came. */
function cancelWatch(jobId: string, cancels: BuildDeps["cancels"]) {
  const abort = new AbortController();
  const state: { by?: string } = {};
  const check = async () => {
    const by = await cancels?.requested(jobId).catch(() => undefined);
    if (by && !abort.signal.aborted) {
      state.by = by;
      abort.abort();
    }
    return state.by;
  };
  const timer = setInterval(() => void check(), 1_000);
  return { signal: abort.signal, check, by: () => state.by, stop: () => clearInterval(timer) };
}

/**
 * `/build`: fetch the project's repository at the ref (depth 1), build it on the builder's
 * daemon, tag it, push both tags. Every failure is final: the same commit fails the same way.
 */
export async function processBuild(job: Job, deps: BuildDeps): Promise<BuildResult> {
  const parsed = buildJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid build job: ${parsed.error.issues[0]?.message}`);
  const { project, ref, host, requestedBy } = parsed.data;
  const spec = deps.fleet.projects[project];
  if (!spec?.build) throw new UnrecoverableError(`project ${project} has no build section in the fleet file`);
  const { build } = spec;
  const started = Date.now();
  // Log lines are written in order, without holding up the build stream.
  let logged = Promise.resolve();
  const line = (text: string) => {
    logged = logged
      .then(() => job.log(withoutCredentials(text)).then(() => undefined))
      .catch(() => undefined);
  };
  const progress = (p: BuildProgress) => void job.updateProgress(p).catch(() => undefined);
  const dir = await mkdtemp(join(tmpdir(), "dockops-build-"));
  const watch = cancelWatch(job.id ?? "", deps.cancels);
  const repository = `${deps.fleet.registry.url}/${spec.image}`;
  let tags: readonly string[] = [];
  /** Stops here: the build's tags are removed from the builder, nothing is pushed. */
  const cancelled = async (by: string): Promise<never> => {
    const docker = deps.hosts.untimed(host);
    for (const tag of tags)
      await docker
        .getImage(`${repository}:${tag}`)
        .remove()
        .catch(() => undefined);
    line(`cancelled by ${by}; nothing was tagged or pushed`);
    deps.log.info({ project, ref, host, by }, "build cancelled");
    throw new UnrecoverableError(`cancelled with /cancel by ${by}; nothing was tagged or pushed`);
  };
  try {
    progress({ phase: "fetching" });
    line(`fetching ${withoutCredentials(build.repo)} at ${ref}`);
    const commit = await fetchSource(build.repo, ref, dir).catch((err: Error) => {
      throw new UnrecoverableError(err.message);
    });
    line(`commit ${commit}`);
    tags = buildTags(ref, commit, parsed.data.tag);
    const docker = deps.hosts.untimed(host);
    const early = await watch.check();
    if (early) await cancelled(early);
    progress({ phase: "building", commit });
    const failure = await onHost(host, () =>
      buildImage(
        {
          docker,
          context: join(dir, build.context),
          dockerfile: build.dockerfile,
          args: build.args,
          repository,
          tags,
          labels: { "org.opencontainers.image.revision": commit, "dockops.build.ref": ref },
          signal: watch.signal,
        },
        {
          line,
          step: (o) =>
            progress({ phase: "building", commit, step: o.step, steps: o.steps, instruction: o.instruction }),
        },
      ),
    ).catch((err: unknown) =>
      err instanceof BuildCancelled ? cancelled(watch.by() ?? "someone") : Promise.reject(err),
    );
    if (failure !== undefined) {
      line(failure);
      throw new UnrecoverableError(failure);
    }
    // The last moment a cancel can stop everything: once pushing, the registry has the tags.
    watch.stop();
    const late = await watch.check();
    if (late) await cancelled(late);
    progress({ phase: "pushing", commit });
    const auth = deps.registry.authConfig();
    let digest = "";
    for (const tag of tags) digest = await onHost(host, () => pushTag(docker, repository, tag, auth, line));
    const info = (await docker.getImage(`${repository}:${tags[0]}`).inspect()) as { Size?: number };
    const result: BuildResult = {
      image: spec.image,
      tags: [...tags],
      commit,
      digest,
      size: info.Size ?? 0,
      durationMs: Date.now() - started,
    };
    line(`pushed ${tags.join(", ")} as ${digest}`);
    deps.log.info({ project, ref, host, requestedBy, commit, digest, tags }, "image built and pushed");
    return result;
  } finally {
    watch.stop();
    await logged;
    await rm(dir, { recursive: true, force: true });
  }
}
