import { readFileSync } from "node:fs";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { ConfigStore } from "../../src/config/config-store.js";
import { type DeployRecord, DeployStore, isFinal } from "../../src/deploys/store.js";
import { LABEL } from "../../src/docker/labels.js";
import { AlertStore } from "../../src/monitor/alert-store.js";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import type { Journal } from "./journal.js";
import type { Op } from "./workload.js";
import { HOST_NAMES, PROJECTS, type World } from "./world.js";

export type Violation = { invariant: number; what: string; at?: number };
const ENVS = ["beta", "prod"] as const;
// A superseded deploy is final too: a newer request made it unnecessary before it began.
const FINAL = /^:(white_check_mark|x|warning|fast_forward):/;

/**
 * Reads the truth after the quiet period — containers from Docker, records from Redis, what was
 * said from the Slack stand-in — and lists every broken invariant (numbered as in docs/guarantees-and-limits.md).
 */
export async function check(
  world: World,
  redis: Redis,
  ops: Op[],
  journal: Journal,
  secrets: string[],
): Promise<Violation[]> {
  const v: Violation[] = [];
  const deploys = new DeployStore(redis, world.prefix);
  const records: DeployRecord[] = [];
  for (const p of PROJECTS) for (const e of ENVS) records.push(...(await deploys.history(p, e, 200)));
  const config = new ConfigStore(redis, world.prefix);
  await checkOutcomes(world, redis, ops, records, config, journal, v);
  await checkHosts(world, records, v);
  await checkMessagesAndAlerts(world, redis, records, v);
  await checkSecrets(world, redis, secrets, v);
  await checkStuck(world, redis, v);
  await checkRevisions(redis, config, v);
  return v;
}

/** 1: an outcome for every acknowledged command, none twice. */
async function checkOutcomes(
  world: World,
  redis: Redis,
  ops: Op[],
  records: DeployRecord[],
  config: ConfigStore,
  journal: Journal,
  v: Violation[],
): Promise<void> {
  const { slack } = world;
  const said = slack.calls.map((c) => ({ at: c.at, text: JSON.stringify(c.args) }));
  const botDown = journal.entries.filter((e) => e.kind === "fault" && /bot|redis/.test(e.text));
  for (const op of ops) {
    const sends = [op.sent, ...op.presses.map((p) => p.sent)];
    for (const s of sends) {
      if (s.status !== 0 && s.status !== 200)
        v.push({
          invariant: 1,
          at: s.at,
          what: `#${op.n} ${op.command} ${op.user}: HTTP ${s.status} for a request signed ${s.skew}s off (inside Slack's window)`,
        });
    }
    if (op.sent.status !== 200) continue;
    const reply = slack.responses.find((r) => r.id === op.sent.responseId);
    const mentioned = said.some((c) => c.at >= op.sent.at && c.text.includes(op.user));
    // A bot killed (or Redis gone) right after the ack may lose the reply: Slack itself cannot
    // do better. Anything else unanswered is a lost command.
    const excused = botDown.some(
      (f) => f.at + journal.start >= op.sent.at - 2_000 && f.at + journal.start <= op.sent.at + 30_000,
    );
    if (!reply && !mentioned && !excused)
      v.push({
        invariant: 1,
        at: op.sent.at,
        what: `#${op.n} ${op.command} ${op.text} by ${op.user} was acknowledged and never answered`,
      });
    const mine = records.filter((r) => r.meta.requestedBy === op.user);
    if (mine.length > 1)
      v.push({
        invariant: 1,
        at: op.sent.at,
        what: `#${op.n} ${op.command} by ${op.user} ran ${mine.length} times: ${mine.map((r) => r.meta.id).join(", ")}`,
      });
    if (op.command === "/config") {
      const m =
        /config is now \*r(\d+)\*/.exec(JSON.stringify(reply?.body ?? "")) ??
        /config is now \*r(\d+)\*/.exec(
          said
            .filter((c) => c.text.includes(op.user))
            .map((c) => c.text)
            .join(" "),
        );
      const [project, env] = op.text.split(" ").slice(1, 3) as [string, string];
      const history = await config.history(project, env, 1_000);
      const byMe = history.filter((r) => r.by === op.user);
      if (byMe.length > 1)
        v.push({
          invariant: 6,
          at: op.sent.at,
          what: `#${op.n} config change by ${op.user} stored ${byMe.length} times`,
        });
      if (m && !history.some((r) => r.rev === Number(m[1]) && r.by === op.user))
        v.push({
          invariant: 6,
          at: op.sent.at,
          what: `#${op.n} config change acknowledged as r${m[1]} of ${project}/${env} is not stored as such`,
        });
    }
  }
  // No job ran to completion twice (the audit trail records each job's end).
  const audit = await redis.xrange(`${world.prefix}:audit`, "-", "+");
  const finished = new Map<string, number>();
  for (const [, fields] of audit) {
    const ev = JSON.parse(fields[fields.indexOf("event") + 1] ?? "{}") as {
      type?: string;
      action?: string;
      text?: string;
    };
    if (ev.type !== "job" || ev.action !== "finished") continue;
    const job = /\((deploy-[^)]+)\)/.exec(ev.text ?? "")?.[1];
    if (job) finished.set(job, (finished.get(job) ?? 0) + 1);
  }
  for (const [job, n] of finished)
    if (n > 1) v.push({ invariant: 1, what: `job ${job} finished ${n} times in the audit trail` });
}

/** 2: each host runs what its last successful deploy says, healthy — or the record says why not. */
export async function checkHosts(world: World, records: DeployRecord[], v: Violation[]): Promise<void> {
  for (const host of HOST_NAMES) {
    const docker = world.docker[host];
    const all = await docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=true`] } });
    for (const project of PROJECTS) {
      for (const env of ENVS) {
        // Deploys to one host run one at a time but not in the order they were asked for: the
        // one that finished last is the one whose containers should run.
        const ended = (r: DeployRecord) => r.hosts[host]?.finishedAt ?? r.meta.createdAt;
        const mine = records
          .filter((r) => r.meta.project === project && r.meta.env === env && r.hosts[host])
          .sort((a, b) => ended(b) - ended(a));
        const last = mine.find((r) => r.hosts[host]?.state === "succeeded");
        const newest = mine[0];
        const running = all.filter(
          (c) => c.State === "running" && c.Labels[LABEL.project] === project && c.Labels[LABEL.env] === env,
        );
        const where = `${project}/${env} on ${host}`;
        const why =
          newest && newest !== last
            ? ` (newest deploy ${newest.meta.id}: ${newest.hosts[host]?.state} ${newest.hosts[host]?.error ?? ""})`
            : "";
        if (!last) {
          if (running.length > 0)
            v.push({
              invariant: 2,
              what: `${where}: no successful deploy, yet ${running.length} container(s) run${why}`,
            });
          continue;
        }
        const status = last.hosts[host];
        const want = status?.replicas ?? 1;
        const problems: string[] = [];
        if (running.length !== want)
          problems.push(`${running.length} running, the deploy ${last.meta.id} left ${want}`);
        for (const c of running) {
          if (c.Labels[LABEL.digest] !== status?.digest)
            problems.push(
              `${c.Names[0]} runs ${c.Labels[LABEL.digest]?.slice(0, 19)}, expected ${status?.digest?.slice(0, 19)}`,
            );
          const rev = c.Labels[LABEL.configRevision];
          if (
            status?.configRevision !== undefined &&
            rev !== undefined &&
            Number(rev) !== status.configRevision
          )
            problems.push(`${c.Names[0]} has config r${rev}, expected r${status.configRevision}`);
          if (!/\(healthy\)/.test(c.Status)) problems.push(`${c.Names[0]} is "${c.Status}"`);
        }
        if (problems.length > 0)
          v.push({ invariant: 2, at: last.meta.createdAt, what: `${where}: ${problems.join("; ")}${why}` });
      }
    }
  }
}

/** 3: no deploy left "in progress", in its record or its message; open alerts still true. */
export async function checkMessagesAndAlerts(
  world: World,
  redis: Redis,
  records: DeployRecord[],
  v: Violation[],
): Promise<void> {
  for (const r of records) {
    const open = Object.entries(r.hosts).filter(([, s]) => !isFinal(s.state));
    if (open.length > 0)
      v.push({
        invariant: 3,
        at: r.meta.createdAt,
        what: `deploy ${r.meta.id} (${r.meta.project}:${r.meta.tag} ${r.meta.env}) still ${open.map(([h, s]) => `${h}=${s.state}${s.step ? ` (${s.step})` : ""}`).join(", ")}`,
      });
    if (r.meta.message) {
      const text = world.slack.messageText(r.meta.message.ts);
      if (!text || !FINAL.test(text))
        v.push({
          invariant: 3,
          at: r.meta.createdAt,
          what: `deploy ${r.meta.id} message still says "${(text ?? "").slice(0, 120)}"`,
        });
    }
  }
  const alerts = new AlertStore(redis, world.prefix);
  for (const alert of await alerts.openAlerts()) {
    for (const item of alert.items.filter((i) => i.resolvedAt === undefined)) {
      const host = item.host as (typeof HOST_NAMES)[number];
      const docker = world.docker[host];
      if (!docker) continue;
      if (item.kind === "host-down") {
        v.push({
          invariant: 3,
          at: item.eventAt,
          what: `alert "${item.detail}" is open, but ${host} answers`,
        });
        continue;
      }
      if (item.kind === "exited" || item.kind === "restart-loop" || item.kind === "unhealthy") {
        const c = item.containerId
          ? await docker
              .getContainer(item.containerId)
              .inspect()
              .catch(() => undefined)
          : undefined;
        const fine = c?.State.Running && (c.State.Health?.Status ?? "healthy") === "healthy";
        if (fine)
          v.push({
            invariant: 3,
            at: item.eventAt,
            what: `alert ${item.kind} "${item.detail}" is open, but ${item.containerName} runs healthy`,
          });
      }
    }
  }
}

/** 4: no secret value in any Slack call, log line, job payload or anywhere in Redis (audit included). */
export async function checkSecrets(
  world: World,
  redis: Redis,
  secrets: string[],
  v: Violation[],
): Promise<void> {
  const places: Array<[string, string]> = [["Slack", world.slack.allText().join("\n")]];
  for (const p of [world.bot, ...world.workers, world.monitor])
    places.push([`${p.name} log`, readFileSync(p.logFile, "utf8")]);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${world.prefix}:*`, "COUNT", 500);
    cursor = next;
    for (const key of keys) places.push([`redis ${key}`, await dumpKey(redis, key)]);
  } while (cursor !== "0");
  for (const secret of secrets.filter((s) => s.length >= 8)) {
    for (const [where, text] of places) {
      if (text.includes(secret))
        v.push({ invariant: 4, what: `a secret (${secret.slice(0, 4)}…) appears in ${where}` });
    }
  }
}

async function dumpKey(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  if (type === "string") return (await redis.get(key)) ?? "";
  if (type === "hash") return JSON.stringify(await redis.hgetall(key));
  if (type === "list") return JSON.stringify(await redis.lrange(key, 0, -1));
  if (type === "set") return JSON.stringify(await redis.smembers(key));
  if (type === "zset") return JSON.stringify(await redis.zrange(key, 0, -1));
  if (type === "stream") return JSON.stringify(await redis.xrange(key, "-", "+"));
  return "";
}

/** 5: no job active or waiting, no lock left behind. */
export async function checkStuck(world: World, redis: Redis, v: Violation[]): Promise<void> {
  const connection = redis.duplicate();
  connection.on("error", () => {});
  const queue = new Queue(QUEUE_NAME, { connection, prefix: world.prefix });
  try {
    const counts = await queue.getJobCounts(
      "active",
      "waiting",
      "delayed",
      "prioritized",
      "paused",
      "waiting-children",
    );
    for (const [state, n] of Object.entries(counts)) {
      if (n === 0) continue;
      const jobs = await queue.getJobs([state as "active"], 0, 5);
      v.push({ invariant: 5, what: `${n} job(s) still ${state}: ${jobs.map((j) => j.id).join(", ")}` });
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
  const locks = await redis.keys(`${world.prefix}:host-lock:*`);
  for (const key of locks)
    v.push({ invariant: 5, what: `host lock ${key} still held by ${await redis.get(key)}` });
  const jobLocks = await redis.keys(`${world.prefix}:${QUEUE_NAME}:*:lock`);
  for (const key of jobLocks) v.push({ invariant: 5, what: `job lock ${key} still held` });
}

/** 6: config revisions 1..head, each numbered as its place. */
export async function checkRevisions(redis: Redis, config: ConfigStore, v: Violation[]): Promise<void> {
  for (const p of PROJECTS) {
    for (const e of ENVS) {
      const fields = await redis.hgetall(config.key(p, e));
      const head = Number(fields.head ?? 0);
      for (let rev = 1; rev <= head; rev++) {
        const raw = fields[`r${rev}`];
        if (!raw) v.push({ invariant: 6, what: `${p}/${e}: head is r${head} but r${rev} is missing` });
        else if ((JSON.parse(raw) as { rev: number }).rev !== rev)
          v.push({
            invariant: 6,
            what: `${p}/${e}: r${rev} holds revision ${(JSON.parse(raw) as { rev: number }).rev}`,
          });
      }
      const extra = Object.keys(fields).filter((f) => /^r\d+$/.test(f) && Number(f.slice(1)) > head);
      if (extra.length > 0)
        v.push({ invariant: 6, what: `${p}/${e}: revisions ${extra.join(", ")} beyond head r${head}` });
    }
  }
}
