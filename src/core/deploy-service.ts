import type { Logger } from "pino";
import type { DeployPlan } from "../../commands/deploy.js";
import { deployJobOf, type JobTarget } from "../deploys/deploy-job.js";
import { describeLock, type EnvLocks } from "../deploys/env-lock.js";
import { newDeployId } from "../deploys/id.js";
import { planRollout, type RolloutPlan, type RolloutSettings } from "../deploys/rollout.js";
import type { RolloutStore } from "../deploys/rollout-store.js";
import type { DeployMeta, DeployStore, HostStatus } from "../deploys/store.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import type { DeployJob } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { foreignText } from "./foreign-text.js";
import { type Chat, ephemeral, type MessageRef, type Reply } from "./message.js";
import type { ExecuteContext } from "./ops.js";
import { renderDeploy } from "./render-deploy.js";

export type DeployServiceDeps = {
  store: DeployStore;
  queue: JobQueue;
  chat: Chat;
  log: Logger;
  /** The latest stored config revision; every host of one deploy runs with the same one. */
  configRevision?: (project: string, env: string) => Promise<number>;
  locks: EnvLocks;
  /** Renders `--dry-run`: reads the hosts and the registry, changes nothing. */
  preview: (req: DeployRequest) => Promise<Reply>;
  /** The commit a project's code ref points to now (a worker runs git), or why there is none. */
  resolveCommit?: CommitResolver;
  /** The environment's `rollout:` from the fleet file, if it deploys in batches. */
  rollout?: (env: string) => RolloutSettings | undefined;
  rollouts?: RolloutStore;
};

export type CommitResolver = (
  project: string,
  ref: string,
  host: string,
) => Promise<{ commit: string } | { error: string }>;

/** What one host gets: a tag, and when known the exact digest, config revision and replica count. */
export type HostTarget = JobTarget;

/** Every way to deploy (deploy, rollback, promote, scale) comes down to this. */
export type DeployRequest = {
  project: string;
  env: string;
  image: string;
  /** Shown in the message headline. */
  tag: string;
  targets: HostTarget[];
  requestedBy: string;
  channel: string;
  dryRun: boolean;
  /** A project with `code`: the git ref a target without a commit gets the code of. */
  ref?: string;
  /** Why, when not a plain deploy: "rollback to v1 (…)". */
  via?: string;
  /** Set when an approver approved it; the message then says so. */
  approvedBy?: string;
  /** The approval request's message, which the deploy takes over in place of a new one. */
  message?: MessageRef;
};

/** Every host after the first batch waits for the batch before its own. */
function waitingHosts(rollout: RolloutPlan): Record<string, HostStatus> {
  return Object.fromEntries(
    rollout.batches
      .slice(1)
      .flatMap((batch, i) => batch.map((h) => [h, { state: "queued", waitsFor: i + 1 }])),
  );
}

/** Turns a deploy request into a record, a channel message and one job per host. */
export class DeployService {
  constructor(private readonly deps: DeployServiceDeps) {}

  start(plan: DeployPlan, ctx: ExecuteContext = {}): Promise<Reply | undefined> {
    return this.run({
      project: plan.project,
      env: plan.env,
      image: plan.image,
      tag: plan.tag,
      // An approved deploy runs the digest and config revision its approval request pinned and
      // showed, not whatever is the latest once it is enqueued.
      targets: plan.hosts.map((host) => ({
        host,
        tag: plan.tag,
        ...(plan.digest ? { digest: plan.digest } : {}),
        ...(plan.configRevision !== undefined ? { configRevision: plan.configRevision } : {}),
        ...(plan.commit ? { commit: plan.commit } : {}),
      })),
      ...(plan.ref !== undefined ? { ref: plan.ref } : {}),
      requestedBy: plan.requestedBy,
      channel: plan.channel,
      dryRun: plan.dryRun,
      ...(ctx.approvedBy ? { approvedBy: ctx.approvedBy } : {}),
      ...(ctx.message ? { message: ctx.message } : {}),
    });
  }

  /** A `/lock`ed environment refuses every deploy; a dry run only shows the plan. */
  async run(req: DeployRequest): Promise<Reply | undefined> {
    const { store, queue, chat, log } = this.deps;
    if (req.dryRun) return this.deps.preview(req);
    let current: number | undefined;
    let commit: string | undefined;
    try {
      const refusal = await this.lockRefusal(req.project, req.env);
      if (refusal) return refusal;
      // Every host mounts the same code: the ref is resolved once, before anything is recorded.
      if (req.ref !== undefined && req.targets.some((t) => !t.commit)) {
        const found = await this.resolveCommit(req.project, req.ref, req.targets[0]?.host ?? "");
        if ("error" in found) {
          return ephemeral(
            `:x: Cannot deploy *${req.project}@${req.ref}*: ${foreignText(found.error)}. Nothing was done.`,
          );
        }
        commit = found.commit;
      }
      // Rollbacks pin the revision they ran with; everything else runs with the latest.
      if (req.targets.some((t) => t.configRevision === undefined)) {
        current = await this.deps.configRevision?.(req.project, req.env);
      }
    } catch (err) {
      log.error({ err: errorMessage(err) }, "deploy preconditions not read");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    const targets = req.targets.map((t) => ({
      ...t,
      configRevision: t.configRevision ?? current,
      ...(t.commit || commit ? { commit: t.commit ?? commit } : {}),
    }));
    const commits = [...new Set(targets.map((t) => t.commit).filter((c) => c !== undefined))];
    const revisions = [...new Set(targets.map((t) => t.configRevision).filter((r) => r !== undefined))];
    const hosts = targets.map((t) => t.host);
    const rollout = this.deps.rollouts ? planRollout(hosts, this.deps.rollout?.(req.env)) : undefined;
    const meta: DeployMeta = {
      id: newDeployId(),
      project: req.project,
      env: req.env,
      tag: req.tag,
      hosts,
      requestedBy: req.requestedBy,
      channel: req.channel,
      createdAt: Date.now(),
      ...(revisions.length === 1 ? { configRevision: revisions[0] } : {}),
      ...(req.ref !== undefined ? { ref: req.ref } : {}),
      ...(commits.length === 1 ? { commit: commits[0] } : {}),
      ...(req.via ? { via: req.via } : {}),
      ...(req.approvedBy ? { approvedBy: req.approvedBy } : {}),
      ...(rollout ? { rollout } : {}),
    };
    const jobs: DeployJob[] = targets.map((t) =>
      deployJobOf({ deployId: meta.id, project: req.project, env: req.env, requestedBy: req.requestedBy }, t),
    );
    // In a rollout only the first batch is queued now; the worker queues each next one.
    const first = rollout ? jobs.filter((j) => rollout.batches[0]?.includes(j.host)) : jobs;
    try {
      await store.create(meta, rollout ? waitingHosts(rollout) : {});
      if (rollout) await this.deps.rollouts?.setJobs(meta.id, jobs);
    } catch (err) {
      log.error({ err: errorMessage(err), deployId: meta.id }, "deploy record not stored");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    // The channel message is how people follow a deploy, but Slack failing to show it is no
    // reason not to deploy: the requester hears about it and /history has the outcome.
    let ref: MessageRef | undefined = req.message;
    let notice: Reply | undefined;
    try {
      const first = renderDeploy({ meta, hosts: {} });
      if (req.message) await chat.update(req.message, first);
      else ref = await chat.post(req.channel, first);
    } catch (err) {
      log.warn(
        { err: errorMessage(err), deployId: meta.id, channel: req.channel },
        "deploy message not posted",
      );
      notice = ephemeral(
        `Deploying *${req.project}:${req.tag}* to *${req.env}*, but I could not post in this channel (${foreignText(errorMessage(err))}); invite me to the channel to see progress. Deploy id: \`${meta.id}\`.`,
      );
    }
    try {
      // Without the message in the record no one could follow the deploy: both, or neither.
      if (ref) await store.setMessage(meta.id, ref);
      await queue.enqueueDeploys(first);
    } catch (err) {
      const message = new QueueUnavailableError(errorMessage(err)).message;
      log.error({ err: errorMessage(err), deployId: meta.id }, "deploy not enqueued");
      // The record must say what the user is told. If Redis refuses this too, the bot's sweep
      // fails the jobless record a minute later.
      await this.failUnqueued(meta, `not started: ${message}`).catch(() => {});
      const text = `:x: Deploy of *${req.project}:${req.tag}* to *${req.env}* not started: ${foreignText(message)}`;
      if (!ref) return ephemeral(text);
      await chat.update(ref, { text }).catch(() => {});
      return undefined;
    }
    log.info(
      { deployId: meta.id, project: req.project, env: req.env, hosts, tag: req.tag, via: req.via },
      "deploy enqueued",
    );
    return notice;
  }

  private resolveCommit(project: string, ref: string, host: string) {
    const resolve = this.deps.resolveCommit;
    if (!resolve) return Promise.resolve({ error: "this bot cannot resolve git refs (no worker reads)" });
    return resolve(project, ref, host);
  }

  private async failUnqueued(meta: DeployMeta, error: string): Promise<void> {
    const finishedAt = Date.now();
    for (const host of meta.hosts) {
      await this.deps.store.setHost(meta.id, host, { state: "failed", error, finishedAt });
    }
  }

  /** The refusal to show when `/lock` holds the project in the environment. */
  async lockRefusal(project: string, env: string): Promise<Reply | undefined> {
    const lock = await this.deps.locks.get(project, env);
    if (!lock) return undefined;
    return ephemeral(
      `:lock: *${project}* in *${env}* is ${describeLock(lock)}. Nothing was done; \`/unlock ${project} ${env}\` lifts the lock.`,
    );
  }
}
