import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentKeys } from "../../src/agent/keys.js";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import { AGENT_HOST, createAgentUser, spawnAgent } from "../support/agent-process.js";
import { alertPosts } from "../support/alerts.js";
import { managedContainers, removeProject } from "../support/docker.js";
import { need } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { replyTo, runToEnd } from "../support/ops-flow.js";
import { ask } from "../support/ops-read.js";
import { kill, type Spawned, waitForOutput } from "../support/processes.js";
import { blocksText } from "../support/slack-standin.js";

const web = uniqueName("ag");
const projects = {
  [web]: { image: "web", tag: "v1", verify: "1s", exec: { allow: ["cat /www/index.html"] } },
};
const password = randomBytes(16).toString("hex");
const master = randomBytes(32);
let h: Harness;
let agentUrl: string;
let dropUser: () => Promise<void>;
let agent: Spawned | undefined;
// The test's own look at host g, through its socket (the worker has no way but the agent).
let hostG: Docker;

async function startAgent(): Promise<void> {
  agent = spawnAgent(h, agentUrl, master);
  await waitForOutput(agent, `agent for ${AGENT_HOST} running`, 60_000);
}

beforeAll(async () => {
  h = await startHarness(projects, {
    hosts: { [AGENT_HOST]: { agent: true, timeout: "10s" } },
    environments: { edge: { channel: "CEDGE", hosts: [AGENT_HOST] } },
    roles: ["bot", "worker", "monitor"],
    configEncryptionKey: master.toString("hex"),
    monitor: { pingMs: 1_000, pingTimeoutMs: 2_000 },
  });
  hostG = new Docker({ socketPath: need(h.fleetEnv, "HOST_G_SOCK").slice("unix://".length) });
  ({ url: agentUrl, drop: dropUser } = await createAgentUser(h, password));
  await startAgent();
}, 90_000);

afterAll(async () => {
  if (agent) await kill(agent, "SIGTERM");
  await removeProject(hostG, web).catch(() => {});
  await dropUser?.();
  await h?.close();
});

describe("a host reached only through its agent", () => {
  it("has no Docker API on the network: nothing in its namespace listens but its containers", () => {
    const listening = execFileSync("nsenter", [
      `--net=/run/netns/${need(h.fleetEnv, "HOST_G_NETNS")}`,
      "ss",
      "-Hltnp",
    ]).toString();
    expect(listening).not.toContain("dockerd");
  });

  it("deploys, answers /status and /hosts, restarts, tails logs and runs an allowed exec", async () => {
    // A config secret and the registry login travel inside Docker calls through Redis: watch
    // every command Redis receives meanwhile (its AOF would write them to disk).
    const secret = `s3cret-${randomBytes(8).toString("hex")}`;
    const set = await replyTo(h, "/config", `set ${web} edge --secret DB_PASSWORD=${secret}`);
    expect(set.text).toContain("r1");
    const watch = await new Redis(need(h.fleetEnv, "REDIS_URL")).monitor();
    const seen: string[] = [];
    watch.on("monitor", (_time: string, args: string[]) => {
      if (String(args[1] ?? "").includes(`${h.prefix}:agent:`)) seen.push(args.join(" "));
    });
    expect(await runToEnd(h, "/deploy", `${web}:v1 edge ${AGENT_HOST}`)).toContain("Deployed");
    watch.disconnect();
    const [deployed] = await managedContainers(hostG, web);
    expect(deployed?.State).toBe("running");
    const inside = (await hostG.getContainer(deployed?.Id ?? "").inspect()).Config.Env;
    expect(inside).toContain(`DB_PASSWORD=${secret}`);
    expect(seen.filter((c) => /^xadd /i.test(c)).length).toBeGreaterThan(10);
    const wire = seen.join("\n");
    for (const plain of [
      secret,
      need(h.fleetEnv, "REGISTRY_PASSWORD"),
      "/containers/create",
      "DB_PASSWORD",
    ]) {
      expect(wire).not.toContain(plain);
    }

    const status = await ask(h, "/status", `${web} edge`);
    expect(status.text).toMatch(
      new RegExp(`\\n${AGENT_HOST} +${web} +edge +v1 \\(\\w{12}\\) +running +healthy`),
    );

    const hosts = await ask(h, "/hosts", AGENT_HOST);
    expect(hosts.text).toMatch(new RegExp(`\\n${AGENT_HOST} +yes +20\\.10[^ ]* +\\d+/\\d+ +agent `));
    expect(hosts.text).toMatch(
      new RegExp(`agent on \\*${AGENT_HOST}\\*: running, last seen \\d+s ago \\(v\\d`),
    );

    const started = (await hostG.getContainer(deployed?.Id ?? "").inspect()).State.StartedAt;
    expect((await h.command("/restart", `${web} edge ${AGENT_HOST}`)).status).toBe(200);
    const deadline = Date.now() + 30_000;
    let now = started;
    while (now === started && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      now =
        (
          await hostG
            .getContainer(deployed?.Id ?? "")
            .inspect()
            .catch(() => undefined)
        )?.State.StartedAt ?? now;
    }
    expect(now).not.toBe(started);

    const logs = await ask(h, "/logs", `${web} edge ${AGENT_HOST} --tail 20`);
    expect(logs.text).toContain("web v1 starting");

    const exec = await replyTo(h, "/exec", `${web} edge ${AGENT_HOST} -- cat /www/index.html`);
    expect(exec.text).toContain("web v1");
  }, 120_000);

  it("holds a deploy while the agent is down, saying so, and runs it when the agent is back", async () => {
    if (agent) await kill(agent, "SIGTERM");
    agent = undefined;
    const down = await ask(h, "/hosts", AGENT_HOST);
    expect(down.text).toContain(`agent on *${AGENT_HOST}*: not running (last seen`);

    const before = h.slack.calls.length;
    expect((await h.command("/deploy", `${web}:v2 edge ${AGENT_HOST}`)).status).toBe(200);
    const post = await h.slack.waitFor(
      () =>
        h.slack.calls
          .slice(before)
          .find((c) => c.method === "chat.postMessage" && blocksText(c.args).includes(web)),
      20_000,
      "the deploy's message",
    );
    const ts = String(post.args.__ts);
    await h.slack.waitFor(
      () => h.slack.messageText(ts)?.includes(`waiting for agent on ${AGENT_HOST}`),
      30_000,
      "the message to say the deploy waits for the agent",
    );
    // Reads answer at once, and the monitor reports the host as gone, naming the agent.
    const status = await ask(h, "/status", `${web} edge`);
    expect(status.text).toContain(`waiting for agent on ${AGENT_HOST}: it is not running`);
    const alert = await h.slack.waitFor(() => alertPosts(h, AGENT_HOST)[0], 20_000, "the host alert");
    expect(h.slack.messageText(String(alert.args.__ts))).toMatch(
      new RegExp(`\\*${AGENT_HOST}\\*: Docker host is unreachable .*agent on ${AGENT_HOST}`),
    );
    // Nothing happened on the host meanwhile.
    expect((await managedContainers(hostG, web)).map((c) => c.Labels.version)).not.toContain("v2");

    await startAgent();
    const final = await h.slack.waitFor(
      () => {
        const text = h.slack.messageText(ts);
        return text && /Deployed|failed/.test(text.split("\n")[0] ?? "") ? text : undefined;
      },
      60_000,
      "the deploy to finish once the agent is back",
    );
    expect(final).toContain("Deployed");
    const running = (await managedContainers(hostG, web)).filter((c) => c.State === "running");
    expect(running.map((c) => c.Labels.version)).toEqual(["v2"]);
  }, 150_000);

  it("is refused by Redis anything outside its own keys: other hosts' queues, config, the job queue", async () => {
    const asAgent = new Redis(
      agentUrl.replace(new URL(agentUrl).host, new URL(need(h.fleetEnv, "REDIS_URL")).host),
      {
        maxRetriesPerRequest: 1,
      },
    );
    try {
      // Its own keys work…
      await asAgent.set(`${agentKeys(h.prefix, AGENT_HOST).scope}probe`, "1");
      // …another host's agent stream, config, deploy records and the job queue do not.
      await expect(
        asAgent.xadd(agentKeys(h.prefix, "serverA").down, "*", "t", "x", "k", "open", "r", "y"),
      ).rejects.toThrow(/NOPERM/);
      await expect(asAgent.get(`${h.prefix}:config:${web}:edge`)).rejects.toThrow(/NOPERM/);
      await expect(asAgent.keys("*")).rejects.toThrow(/NOPERM/);
      await expect(asAgent.publish("anything", "x")).rejects.toThrow(/NOPERM/);
      const queue = new Queue(QUEUE_NAME, { connection: asAgent, prefix: h.prefix });
      await expect(queue.add("deploy", { deployId: "forged", host: "serverA" })).rejects.toThrow(
        /NOPERM|permission/i,
      );
      await queue.close().catch(() => {});
    } finally {
      asAgent.disconnect();
    }
  });
});
