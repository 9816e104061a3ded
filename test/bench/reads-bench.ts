/**
 * Reads at scale (`BENCH_ONLY=reads npm run bench`): `/status` and `/hosts` with
 * `READS_CONTAINERS` (default 20) managed containers on each of the three hosts, and `/history`
 * with `READS_DEPLOYS` (default 10 000) deploys stored. Each is timed from the signed slash
 * command to the reply at the Slack stand-in's response_url, median of `READS_ROUNDS` (default
 * 10), beside the raw reads that answer needs, done directly in the same run and alternated with
 * it: Docker's version, listContainers and an inspect per running managed container, every host
 * in parallel (`/status`; `/hosts` without the inspects), and the history list plus one HGETALL
 * per deploy from Redis (`/history`). Goal: the bot within 1.5× of the raw reads.
 */
import type Docker from "dockerode";
import { Redis } from "ioredis";
import { newDeployId } from "../../src/deploys/id.js";
import { type DeployMeta, DeployStore } from "../../src/deploys/store.js";
import { LABEL } from "../../src/docker/labels.js";
import { containerName } from "../../worker/deploy/container-spec.js";
import { pullTestImage } from "../support/alerts.js";
import { type Harness, HOSTS, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { blocksText } from "../support/slack-standin.js";
import { median, ms, ratio } from "./figures.js";
import { medianSteps, type ReadSteps, StepClock } from "./read-steps.js";
import { startReplyFloor } from "./reply-floor.js";

export type ReadsBenchOptions = { containers: number; deploys: number; rounds: number };

const DEFAULTS: ReadsBenchOptions = {
  containers: Number(process.env.READS_CONTAINERS ?? 20),
  deploys: Number(process.env.READS_DEPLOYS ?? 10_000),
  rounds: Number(process.env.READS_ROUNDS ?? 10),
};

/** Five services per host, as a small team's fleet has; replicas make up the rest. */
const PROJECTS = 5;
const ENV = "bench";
/** What `/history` shows by default. */
const HISTORY_COUNT = 10;

/** Containers as the worker labels and names them after a deploy of `project` with replicas. */
async function runContainers(h: Harness, projects: string[], perHost: number): Promise<void> {
  await Promise.all(
    HOSTS.map(async (host) => {
      const docker = h.docker[host];
      const image = await pullTestImage(h, docker, "plain:v1");
      const deployIds = projects.map(() => newDeployId());
      // A few at a time: dockerd on a loaded 2-core machine times out under 20 parallel creates.
      for (let i = 0; i < perHost; i += 4) {
        await Promise.all(
          Array.from({ length: Math.min(4, perHost - i) }, async (_, k) => {
            const n = i + k;
            const p = n % projects.length;
            const project = projects[p] as string;
            const replica = Math.floor(n / projects.length) + 1;
            const deployId = deployIds[p] as string;
            const c = await docker.createContainer({
              name: containerName(project, ENV, deployId, replica),
              Image: image,
              Labels: {
                [LABEL.managed]: "true",
                [LABEL.project]: project,
                [LABEL.env]: ENV,
                [LABEL.version]: "v1",
                [LABEL.digest]: `sha256:${"ab".repeat(32)}`,
                [LABEL.deploy]: deployId,
                [LABEL.requestedBy]: "UBENCH",
                [LABEL.replica]: String(replica),
              },
              HostConfig: { RestartPolicy: { Name: "unless-stopped" }, Memory: 32 * 1024 ** 2 },
            });
            await c.start();
          }),
        );
      }
    }),
  );
}

/** `count` finished deploys of the projects, written by the real store as the bot and workers do. */
export async function storeDeploys(store: DeployStore, projects: string[], count: number): Promise<void> {
  const start = Date.now() - count * 60_000;
  const one = async (i: number) => {
    const createdAt = start + i * 60_000;
    const meta: DeployMeta = {
      id: newDeployId(createdAt),
      project: projects[i % projects.length] as string,
      env: ENV,
      tag: `v${i}`,
      hosts: [...HOSTS],
      requestedBy: "UBENCH",
      channel: "CBENCH",
      createdAt,
      message: { channel: "CBENCH", ts: `${1_700_000_000 + i}.000100` },
      configRevision: 0,
    };
    await store.create(meta);
    await Promise.all(
      HOSTS.map((host) =>
        store.setHost(meta.id, host, {
          state: "succeeded",
          step: "done",
          digest: `sha256:${(i % 256).toString(16).padStart(2, "0").repeat(32)}`,
          containerName: containerName(meta.project, ENV, meta.id),
          previous: [containerName(meta.project, ENV, `prev${i}`)],
          startedAt: createdAt + 200,
          finishedAt: createdAt + 4_000,
          configRevision: 0,
          replicas: 1,
          imageCreatedAt: createdAt - 600_000,
        }),
      ),
    );
  };
  for (let i = 0; i < count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => one(i + k)));
  }
}

/** What `/status` needs from one host, done directly: version, the listing, an inspect per running managed container. */
async function rawSnapshot(docker: Docker, inspect: boolean): Promise<number> {
  const [, all] = await Promise.all([docker.version(), docker.listContainers({ all: true })]);
  const managed = all.filter((c) => c.Labels?.[LABEL.managed] === "true");
  if (inspect) {
    await Promise.all(
      managed
        .filter((c) => c.State === "running")
        .map((c) =>
          docker
            .getContainer(c.Id)
            .inspect()
            .catch(() => undefined),
        ),
    );
  }
  return managed.length;
}

async function rawHistory(redis: Redis, prefix: string, project: string): Promise<number> {
  const ids = await redis.lrange(`${prefix}:history:${project}:${ENV}`, 0, HISTORY_COUNT - 1);
  const records = await Promise.all(ids.map((id) => redis.hgetall(`${prefix}:deploy:${id}`)));
  return records.filter((r) => r.meta).length;
}

/** Milliseconds from the signed command to its response_url reply at the stand-in; the reply's text. */
async function timed(
  h: Harness,
  command: string,
  text: string,
): Promise<{ ms: number; text: string; t0: number; at: number }> {
  const t0 = Date.now();
  const ack = await h.command(command, text, { channel: "CBENCH", user: "UBENCH" });
  if (ack.status !== 200) throw new Error(`${command} ${text}: HTTP ${ack.status}`);
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    60_000,
    `the reply to ${command} ${text}`,
  );
  return { ms: reply.at - t0, text: blocksText(reply.body), t0, at: reply.at };
}

type Row = {
  read: string;
  rawMs: number;
  botMs: number;
  ratio: number;
  goalMet: boolean;
  /** Host reads only: the median time of each step of the bot's answer. */
  steps?: ReadSteps;
};

export async function readsBench(opts: Partial<ReadsBenchOptions> = {}): Promise<Record<string, unknown>> {
  const o = { ...DEFAULTS, ...opts };
  const projects = Array.from({ length: PROJECTS }, () => uniqueName("rb"));
  const h = await startHarness(Object.fromEntries(projects.map((p) => [p, { image: "plain", tag: "v1" }])), {
    environments: { [ENV]: { channel: "CBENCH", hosts: [...HOSTS] } },
  });
  const redis = new Redis(h.fleetEnv.REDIS_URL as string);
  const samples: Record<string, { raw: number[]; bot: number[]; steps: ReadSteps[] }> = {
    status: { raw: [], bot: [], steps: [] },
    hosts: { raw: [], bot: [], steps: [] },
    history: { raw: [], bot: [], steps: [] },
  };
  const clock = new StepClock(h.fleetEnv.REDIS_URL as string, h.prefix);
  const floor = await startReplyFloor(h.slack);
  const floorMs: number[] = [];
  try {
    await clock.ready();
    await runContainers(h, projects, o.containers);
    await storeDeploys(new DeployStore(redis, h.prefix), projects, o.deploys);
    const project = projects[0] as string;
    const raws: Record<string, () => Promise<void>> = {
      status: async () => {
        const seen = await Promise.all(HOSTS.map((host) => rawSnapshot(h.docker[host], true)));
        if (seen.some((n) => n < o.containers)) throw new Error(`raw read saw ${seen.join("/")} managed`);
      },
      hosts: async () => {
        await Promise.all(HOSTS.map((host) => rawSnapshot(h.docker[host], false)));
      },
      history: async () => {
        const n = await rawHistory(redis, h.prefix, project);
        if (n !== Math.min(HISTORY_COUNT, Math.ceil(o.deploys / PROJECTS)))
          throw new Error(`raw history read ${n} records`);
      },
    };
    const commands: Record<string, [string, string, RegExp]> = {
      status: ["/status", "", new RegExp(`${project}[^\\n]*running`)],
      hosts: ["/hosts", "", /serverC\s.*\byes\b/],
      history: ["/history", `${project} ${ENV}`, /deploys of|deploy of/],
    };
    // One warm-up of each (the first read connects, the first job starts the worker's queue).
    for (const read of Object.keys(raws)) {
      await raws[read]?.();
      const [command, text] = commands[read] as [string, string, RegExp];
      await timed(h, command, text);
    }
    await floor.time();
    for (let i = 0; i < o.rounds; i++) {
      floorMs.push(await floor.time());
      for (const [read, raw] of Object.entries(raws)) {
        const [command, text, expected] = commands[read] as [string, string, RegExp];
        // Alternate which goes first, so neither always meets a daemon the other just warmed.
        const runRaw = async () => {
          const t0 = performance.now();
          await raw();
          samples[read]?.raw.push(performance.now() - t0);
        };
        const runBot = async () => {
          const answer = await timed(h, command, text);
          if (!expected.test(answer.text))
            throw new Error(`${command} answered: ${answer.text.slice(0, 500)}`);
          samples[read]?.bot.push(answer.ms);
          if (read === "history") return;
          const steps = await clock.steps(answer.t0, answer.at, HOSTS.length);
          if (steps) samples[read]?.steps.push(steps);
        };
        if (i % 2 === 0) {
          await runRaw();
          await runBot();
        } else {
          await runBot();
          await runRaw();
        }
      }
    }
  } finally {
    await floor.close();
    await clock.close();
    await redis.quit();
    await h.close();
  }
  const rows: Row[] = Object.entries(samples).map(([read, s]) => {
    const rawMs = Math.round(median(s.raw));
    const botMs = Math.round(median(s.bot));
    const steps = medianSteps(s.steps);
    return {
      read,
      rawMs,
      botMs,
      ratio: ratio(botMs, rawMs),
      goalMet: botMs <= 1.5 * rawMs,
      ...(steps ? { steps } : {}),
    };
  });
  const lines = [
    `reads at scale: ${o.containers} managed containers on each of ${HOSTS.length} hosts, ${o.deploys} deploys stored; median of ${o.rounds}`,
    ...rows.map(
      (r) =>
        `/${r.read.padEnd(8)} raw ${ms(r.rawMs)}  dockops (command → reply) ${ms(r.botMs)}  ${r.ratio.toFixed(2)}×  goal ≤ 1.5×: ${r.goalMet ? "met" : "missed"}`,
    ),
    `reply floor: a bare Bolt app that acks and posts a fixed reply, command → reply ${ms(median(floorMs))} (no bot answers faster; /history's goal leaves it ${ms(1.5 * (rows.find((r) => r.read === "history")?.rawMs ?? 0))})`,
    "where the bot's time went (medians): until queued | until a worker took it | in the worker | until the reply",
    ...rows.flatMap((r) =>
      r.steps
        ? [
            `/${r.read.padEnd(8)} ${ms(r.steps.toQueued)} | ${ms(r.steps.toWorker)} | ${ms(r.steps.inWorker)} | ${ms(r.steps.toReply)}`,
          ]
        : [],
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return {
    reads: {
      containersPerHost: o.containers,
      hosts: HOSTS.length,
      deploysStored: o.deploys,
      historyCount: HISTORY_COUNT,
      rounds: o.rounds,
      replyFloorMs: Math.round(median(floorMs)),
      rows,
    },
  };
}
