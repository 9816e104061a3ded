import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  alertId,
  alertPosts,
  percentile,
  pullTestImage,
  readAlert,
  ref,
  resolvedText,
  runManaged,
} from "../support/alerts.js";
import { execIn as exec, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { firstAnswer } from "../support/ops-flow.js";

const killed = uniqueName("kil");
const sick = uniqueName("sic");
const loop = uniqueName("lop");
const drift = uniqueName("drf");
const lat = uniqueName("lat");
const flood = uniqueName("fld");
let h: Harness;
let driftPort: number;
/** Event-to-Slack latencies of every alert posted from a Docker event in this file. */
const latencies: number[] = [];

beforeAll(async () => {
  driftPort = await freePort();
  h = await startHarness(
    {
      [killed]: { image: "web", tag: "v1", ports: [`${await freePort()}:80`], verify: "1s" },
      [sick]: { image: "web", tag: "v1", verify: "1s" },
      [loop]: { image: "web", tag: "crash" },
      [drift]: { image: "web", tag: "v1", ports: [`${driftPort}:80`], verify: "1s" },
      [lat]: { image: "plain", tag: "v1" },
      [flood]: { image: "plain", tag: "v1" },
    },
    {
      roles: ["bot", "worker", "monitor"],
      monitor: { pingMs: 500, reconcileMs: 1_000, batchMs: 200, stableMs: 4_000 },
      alerts: { restartLoop: { count: 3, window: "2m" } },
    },
  );
  // A second monitor on the same Redis for the whole file: no alert may be posted twice.
  await h.spawn(["monitor"]);
});
afterAll(async () => {
  if (latencies.length > 0) {
    console.log(
      `alert latency (docker event → Slack call) over ${latencies.length} alerts: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms`,
    );
  }
  await h?.close();
});

async function deploy(text: string): Promise<void> {
  const before = h.slack.calls.length;
  await h.command("/deploy", text);
  const post = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
    10_000,
    "the deploy message",
  );
  const text2 = await h.slack.waitFor(
    () => {
      const t = h.slack.messageText(String(post.args.__ts));
      return t && /Deployed|failed/.test(t.split("\n")[0] ?? "") ? t : undefined;
    },
    60_000,
    "the deploy to finish",
  );
  expect(text2).toContain("Deployed");
}

/** Waits for the first alert about `about`, records its latency, then checks no second one follows. */
async function oneAlert(about: string, timeoutMs = 20_000) {
  const call = await h.slack.waitFor(() => alertPosts(h, about)[0], timeoutMs, `an alert about ${about}`);
  const stored = await readAlert(h, alertId(call));
  const eventAt = stored?.items[0]?.eventAt;
  if (eventAt) latencies.push(call.at - eventAt);
  return call;
}

async function expectStillOne(about: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_500));
  expect(alertPosts(h, about)).toHaveLength(1);
}

function reply(responseId: string): Promise<string> {
  return h.slack.waitFor(
    () => {
      const r = h.slack.responses.find((x) => x.id === responseId);
      return r ? String(r.body.text ?? "") + JSON.stringify(r.body.blocks ?? "") : undefined;
    },
    10_000,
    "the button's reply",
  );
}

describe("bad input to the new commands changes nothing", () => {
  it.each([
    ["/restart", "nosuch beta", /no project `nosuch`/],
    ["/stop", `${killed} beta serverC`, /not in environment `beta`/],
    ["/start", `${killed}`, /name a project and an environment/],
    ["/restart", `${killed} beta; docker rm -f x`, /too many words|no environment/],
    ["/silence", `${killed} beta forever`, /not a duration/],
    ["/silence", `${killed} beta 30d`, /at most/],
    ["/alerts", "--all", /takes no arguments/],
  ])("%s %s", async (command, text, message) => {
    const before = h.slack.calls.length;
    const res = await h.command(command, text);
    const body = await firstAnswer(h, res);
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(message);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.calls.slice(before).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    const { Redis } = await import("ioredis");
    const redis = new Redis(h.fleetEnv.REDIS_URL as string);
    const keys = [
      ...(await redis.keys(`${h.prefix}:dockops-jobs:lifecycle-*`)),
      ...(await redis.keys(`${h.prefix}:silences`)),
      ...(await redis.keys(`${h.prefix}:stopped:*`)),
    ];
    redis.disconnect();
    expect(keys).toEqual([]);
  });

  it("/stop in an environment that needs approval waits for an approver and stops nothing", async () => {
    const res = await h.command("/stop", `${killed} prod`, { channel: "CPROD" });
    const reply = await h.slack.waitFor(
      () => h.slack.responses.find((r) => r.id === res.responseId),
      5_000,
      "reply",
    );
    expect(String(reply.body.text)).toMatch(/Approval requested from <@ULEAD>, <@UOPS>/);
    const { Redis } = await import("ioredis");
    const redis = new Redis(h.fleetEnv.REDIS_URL as string);
    const jobs = await redis.keys(`${h.prefix}:dockops-jobs:lifecycle-*`);
    redis.disconnect();
    expect(jobs).toEqual([]);
  });
});

describe("monitor alerts", () => {
  it("docker kill → one alert with exit code and log lines; Restart restarts it and the alert resolves", async () => {
    await deploy(`${killed} beta serverA`);
    const [c] = await managedContainers(h.docker.serverA, killed);
    const container = h.docker.serverA.getContainer(c?.Id ?? "");
    const startedBefore = (await container.inspect()).State.StartedAt;
    await container.kill();

    const call = await oneAlert(killed);
    const text = h.slack.messageText(String(call.args.__ts)) ?? "";
    expect(call.args.channel).toBe("CBETA");
    expect(text).toMatch(/exited unexpectedly with code 137 \(not OOM-killed\)/);
    expect(text).toContain("web v1 starting");
    await expectStillOne(killed);

    const logs = await h.pressOn("alert:logs", alertId(call), ref(call));
    expect(logs.status).toBe(200);
    expect(await reply(logs.responseId)).toContain("web v1 starting");

    const pressed = await h.pressOn("alert:restart", alertId(call), ref(call));
    expect(pressed.status).toBe(200);
    let after = startedBefore;
    for (let i = 0; i < 60 && after === startedBefore; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const info = await container.inspect();
      if (info.State.Running) after = info.State.StartedAt;
    }
    expect(after).not.toBe(startedBefore);
    const resolved = await resolvedText(h, String(call.args.__ts));
    expect(resolved).toMatch(new RegExp(`Resolved after \\d.*\\*${killed}\\*`));
    await expectStillOne(killed);
  });

  it("Silence 1h and /silence hold new alerts back; /alerts lists silences", async () => {
    const call = alertPosts(h, killed)[0];
    if (!call) throw new Error("the previous test posted no alert");
    const pressed = await h.pressOn("alert:silence", alertId(call), ref(call));
    // The button is `/silence <project> <env> 1h` typed by the presser, and answers like it.
    expect(await reply(pressed.responseId)).toMatch(
      /<@UDEV> silenced new alerts about \*.+\* in \*beta\* for 60m00s/,
    );
    const [c] = await managedContainers(h.docker.serverA, killed);
    await h.docker.serverA.getContainer(c?.Id ?? "").kill();
    await new Promise((r) => setTimeout(r, 2_000));
    expect(alertPosts(h, killed)).toHaveLength(1);
    const list = await h.command("/alerts", "");
    expect(await reply(list.responseId)).toContain(`*${killed}* (beta) until`);
    const end = await h.command("/silence", `${killed} beta 0`);
    expect(await reply(end.responseId)).toMatch(/ended the silence/);
  });

  it("a container that turns unhealthy → one alert with the health output; healthy again resolves it", async () => {
    await deploy(`${sick} beta serverB`);
    const [c] = await managedContainers(h.docker.serverB, sick);
    const container = h.docker.serverB.getContainer(c?.Id ?? "");
    await exec(container, ["rm", "/www/healthz"]);
    const call = await oneAlert(sick, 30_000);
    const text = h.slack.messageText(String(call.args.__ts)) ?? "";
    expect(text).toMatch(/is unhealthy \(last health check exit code 1\)/);
    expect(text).toMatch(/404|server returned an error|wget/i);
    await exec(container, ["sh", "-c", "echo ok > /www/healthz"]);
    await resolvedText(h, String(call.args.__ts), 30_000);
    await expectStillOne(sick);
  });

  it("a crash loop → one alert that turns into a restart loop", async () => {
    const image = await pullTestImage(h, h.docker.serverA, "web:crash");
    await runManaged(h.docker.serverA, image, { project: loop, env: "beta" }, "always");
    const call = await oneAlert(loop);
    expect(h.slack.messageText(String(call.args.__ts))).toContain("fatal: cannot connect to database");
    const text = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(String(call.args.__ts));
        return t?.includes("restart loop") ? t : undefined;
      },
      30_000,
      "the restart loop",
    );
    expect(text).toMatch(/restart loop: `.+` exited \d+ times in 2m00s \(last exit code 3/);
    await expectStillOne(loop);
    await removeProjectNow(h.docker.serverA, loop);
  });

  it("an unmanaged container on a managed port → one drift alert, resolved when it goes", async () => {
    await deploy(`${drift} beta serverA`);
    const image = await pullTestImage(h, h.docker.serverB, "plain:v1");
    const squatter = await h.docker.serverB.createContainer({
      Image: image,
      name: uniqueName("squat"),
      HostConfig: { PortBindings: { "80/tcp": [{ HostPort: String(driftPort) }] } },
      ExposedPorts: { "80/tcp": {} },
    });
    try {
      await squatter.start();
      const call = await h.slack.waitFor(() => alertPosts(h, drift)[0], 20_000, "the drift alert");
      expect(h.slack.messageText(String(call.args.__ts))).toMatch(
        new RegExp(`drift: unmanaged container .+ publishes port ${driftPort} of ${drift}`),
      );
      expect(call.args.channel).toBe("CBETA");
      await squatter.remove({ force: true });
      await resolvedText(h, String(call.args.__ts));
      await expectStillOne(drift);
    } finally {
      await squatter.remove({ force: true }).catch(() => {});
    }
  });

  it("/restart, /stop and /start act on the project and say so", async () => {
    const [c] = await managedContainers(h.docker.serverA, drift);
    const container = h.docker.serverA.getContainer(c?.Id ?? "");
    const before = (await container.inspect()).State.StartedAt;
    const finalText = async (command: string) => {
      const from = h.slack.calls.length;
      await h.command(command, `${drift} beta serverA`);
      const post = await h.slack.waitFor(
        () => h.slack.calls.slice(from).find((x) => x.method === "chat.postMessage"),
        10_000,
        `${command} message`,
      );
      return h.slack.waitFor(
        () => {
          const t = h.slack.messageText(String(post.args.__ts));
          return t && !t.includes("working") ? t : undefined;
        },
        30_000,
        `${command} to finish`,
      );
    };
    expect(await finalText("/restart")).toMatch(
      /:white_check_mark: Restart of .* done\n• \*serverA\*: `.+` running/,
    );
    expect((await container.inspect()).State.StartedAt).not.toBe(before);
    expect(await finalText("/stop")).toMatch(/Stop of .* done\n• \*serverA\*: `.+` exited/);
    expect(await finalText("/start")).toMatch(/Start of .* done\n• \*serverA\*: `.+` running/);
    // Deliberate stops are not alerts, and a stopped project is not reported missing.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(alertPosts(h, drift)).toHaveLength(1);
  });

  it("a flood of failures on one host and environment is one message", async () => {
    const image = await pullTestImage(h, h.docker.serverB, "plain:v1");
    const containers = await Promise.all(
      [1, 2, 3].map(() => runManaged(h.docker.serverB, image, { project: flood, env: "beta" })),
    );
    await Promise.all(containers.map((c) => c.kill()));
    const call = await h.slack.waitFor(() => alertPosts(h, flood)[0], 10_000, "the grouped alert");
    const text = h.slack.messageText(String(call.args.__ts)) ?? "";
    expect(text.split("\n")[0]).toBe(":rotating_light: 3 alerts in *beta* on *serverB* (3 open):");
    expect(text.match(/exited unexpectedly with code 137/g)).toHaveLength(3);
    await expectStillOne(flood);
    await Promise.all(containers.map((c) => c.start()));
    const resolved = await resolvedText(h, String(call.args.__ts));
    expect(resolved.split("\n")[0]).toMatch(
      /^:white_check_mark: Resolved after .+: 3 alerts in \*beta\* on \*serverB\*:$/,
    );
  });

  it("measures alert latency over a series of kills", async () => {
    const image = await pullTestImage(h, h.docker.serverB, "plain:v1");
    for (let i = 0; i < 15; i++) {
      const c = await runManaged(h.docker.serverB, image, { project: lat, env: "beta" });
      const before = alertPosts(h, lat).length;
      await c.kill();
      const call = await h.slack.waitFor(() => alertPosts(h, lat)[before], 10_000, `latency alert ${i}`);
      const stored = await readAlert(h, alertId(call));
      latencies.push(call.at - (stored?.items[0]?.eventAt ?? call.at));
      await c.remove({ force: true });
    }
    expect(alertPosts(h, lat)).toHaveLength(15);
  });
});

async function removeProjectNow(docker: Docker, project: string): Promise<void> {
  for (const c of await managedContainers(docker, project, true)) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
}
