import type { Redis } from "ioredis";
import type { Sent, SoakClient } from "./client.js";
import type { Journal } from "./journal.js";
import type { Prng } from "./prng.js";
import { APPROVERS, PROJECTS } from "./world.js";

/** One command a simulated user sent, and what the checker needs to judge its outcome. */
export type Op = {
  n: number;
  /** A user id of its own, so records, revisions and messages can be traced back to it. */
  user: string;
  kind: OpKind;
  command: string;
  text: string;
  channel: string;
  sent: Sent;
  /** Button presses on the op's approval request. */
  presses: Array<{ user: string; action: "approve" | "reject"; sent: Sent }>;
  /** Secret values this op set: they must never show up anywhere. */
  secrets: string[];
};

const KINDS = {
  deploy: 30,
  "deploy-prod": 8,
  config: 10,
  "config-prod": 4,
  rollback: 6,
  promote: 4,
  scale: 6,
  restart: 6,
  lock: 4,
  cancel: 5,
} as const;
export type OpKind = keyof typeof KINDS | "unlock" | "cancel-job";

const TAGS = { v1: 35, v2: 35, crash: 15, sick: 15 } as const;
const HOSTS = ["", " soakA", " soakB"] as const;

export type WorkloadDeps = {
  client: SoakClient;
  journal: Journal;
  redis: () => Redis;
  prefix: string;
  slack: { calls: Array<{ method: string; args: Record<string, unknown>; at: number }> };
};

/** The operations of several simulated users; each user has its own PRNG (forked from the seed). */
export class Workload {
  readonly ops: Op[] = [];
  private n = 0;
  private users = 0;

  constructor(private readonly deps: WorkloadDeps) {}

  /** One user: an operation, a pause, another, until `until`. */
  async user(rng: Prng, until: number, pauseMs: [number, number]): Promise<void> {
    while (Date.now() < until) {
      await this.one(rng).catch((err) => this.deps.journal.note(`op error: ${String(err)}`));
      await sleep(rng.int(pauseMs[0], pauseMs[1]));
    }
  }

  private newUser(): string {
    return `US${(++this.users).toString(36).toUpperCase().padStart(3, "0")}`;
  }

  private async send(
    kind: OpKind,
    command: string,
    text: string,
    channel: string,
    user: string,
    secrets: string[] = [],
  ): Promise<Op> {
    const sent = await this.deps.client.command(command, text, user, channel);
    const op: Op = { n: ++this.n, user, kind, command, text, channel, sent, presses: [], secrets };
    this.ops.push(op);
    const shown = secrets.reduce((t, s) => t.replaceAll(s, "<secret>"), text);
    this.deps.journal.op(
      `#${op.n} ${user} ${command} ${shown} [${channel}] -> ${sent.status}${sent.skew ? ` (skew ${sent.skew}s)` : ""}`,
    );
    return op;
  }

  private async one(rng: Prng): Promise<void> {
    const kind = rng.weighted(KINDS);
    const p = rng.pick(PROJECTS);
    const user = this.newUser();
    switch (kind) {
      case "deploy":
        await this.send(kind, "/deploy", `${p}:${rng.weighted(TAGS)} beta${rng.pick(HOSTS)}`, "CBETA", user);
        return;
      case "deploy-prod":
        await this.approve(
          rng,
          await this.send(kind, "/deploy", `${p}:${rng.pick(["v1", "v2"])} prod`, "CPROD", user),
        );
        return;
      case "config":
      case "config-prod": {
        const env = kind === "config" ? "beta" : "prod";
        const secret = `s0ak${rng.hex(10)}`;
        const text = rng.chance(0.6)
          ? `${p} ${env} --secret DB_PASSWORD=${secret} COLOR=c${rng.int(1, 9)}`
          : `${p} ${env} LEVEL=${rng.int(1, 99)}`;
        const secrets = text.includes(secret) ? [secret] : [];
        const op = await this.send(
          kind,
          "/config",
          `set ${text}`,
          env === "beta" ? "CBETA" : "CPROD",
          user,
          secrets,
        );
        if (env === "prod") await this.approve(rng, op);
        return;
      }
      case "rollback":
        await this.send(kind, "/rollback", `${p} beta${rng.pick(HOSTS)}`, "CBETA", user);
        return;
      case "promote":
        await this.approve(rng, await this.send(kind, "/promote", `${p} beta prod`, "CPROD", user));
        return;
      case "scale":
        await this.send(kind, "/scale", `${p} beta ${rng.int(1, 3)}`, "CBETA", user);
        return;
      case "restart":
        await this.send(kind, "/restart", `${p} beta${rng.pick(HOSTS)}`, "CBETA", user);
        return;
      case "lock": {
        await this.send(kind, "/lock", `${p} beta soak freeze`, "CBETA", user);
        await sleep(rng.int(1_000, 6_000));
        await this.send("unlock", "/unlock", `${p} beta`, "CBETA", this.newUser());
        return;
      }
      case "cancel": {
        // A deploy, then /cancel of its job on one host: queued jobs go, running ones stay.
        const op = await this.send(kind, "/deploy", `${p}:${rng.pick(["v1", "v2"])} beta`, "CBETA", user);
        const id = await this.deployIdOf(op.user, p, 5_000);
        if (id)
          await this.send(
            "cancel-job",
            "/cancel",
            `deploy-${id}-${rng.pick(["soakA", "soakB"])}`,
            "CBETA",
            this.newUser(),
          );
        return;
      }
    }
  }

  private async deployIdOf(user: string, project: string, waitMs: number): Promise<string | undefined> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      try {
        const redis = this.deps.redis();
        const ids = await redis.lrange(`${this.deps.prefix}:history:${project}:beta`, 0, 10);
        for (const id of ids) {
          const meta = await redis.hget(`${this.deps.prefix}:deploy:${id}`, "meta");
          if (meta && (JSON.parse(meta) as { requestedBy: string }).requestedBy === user) return id;
        }
      } catch {
        // Redis is down (a fault): try again.
      }
      await sleep(300);
    }
    return undefined;
  }

  /** Waits for the op's approval request, then approves, rejects, or both at once. */
  private async approve(rng: Prng, op: Op): Promise<void> {
    const choice = rng.weighted({ one: 50, both: 20, reject: 15, race: 15 });
    const delay = rng.int(200, 4_000);
    if (op.sent.status !== 200) return;
    const post = await waitFor(() => this.deps.slack.calls.find((c) => isApprovalFor(c, op)), 15_000);
    if (!post) return;
    await sleep(delay);
    const value = approvalValue(post.args);
    const ts = String(post.args.__ts);
    const [a, b] = rng.chance(0.5) ? APPROVERS : [APPROVERS[1], APPROVERS[0]];
    const clicks: Array<[string, "approve" | "reject"]> =
      choice === "one"
        ? [[a, "approve"]]
        : choice === "both"
          ? [
              [a, "approve"],
              [b, "approve"],
            ]
          : choice === "reject"
            ? [[a, "reject"]]
            : [
                [a, "approve"],
                [b, "reject"],
              ];
    // Simultaneous clicks: both requests are in flight at once.
    await Promise.all(
      clicks.map(async ([user, action]) => {
        const sent = await this.deps.client.press(`approval:${action}`, value, user, op.channel, ts);
        op.presses.push({ user, action, sent });
        this.deps.journal.op(`#${op.n} ${user} pressed ${action} -> ${sent.status}`);
      }),
    );
  }
}

function isApprovalFor(c: { method: string; args: Record<string, unknown>; at: number }, op: Op): boolean {
  return (
    c.method === "chat.postMessage" &&
    c.at >= op.sent.at &&
    approvalValue(c.args) !== "" &&
    JSON.stringify(c.args).includes(op.user)
  );
}

function approvalValue(args: Record<string, unknown>): string {
  const blocks = args.blocks as Array<{
    type: string;
    elements?: Array<{ action_id?: string; value?: string }>;
  }>;
  if (!Array.isArray(blocks)) return "";
  for (const b of blocks) {
    const el = b.elements?.find((e) => e.action_id === "approval:approve");
    if (el?.value) return el.value;
  }
  return "";
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor<T>(f: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = f();
    if (v) return v;
    await sleep(200);
  }
  return undefined;
}
