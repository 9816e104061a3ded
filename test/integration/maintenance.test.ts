import http from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertPosts } from "../support/alerts.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo } from "../support/ops-flow.js";
import { removeTestProxies, withTestProxy } from "../support/proxy.js";
import { blocksText } from "../support/slack-standin.js";

// Real Caddy (the caddy:2 test image up.sh builds from Debian's binary) on the namespaced hosts.
const web = uniqueName("mtweb");
const plain = uniqueName("mtplain");
const proxyName = uniqueName("proxy");
const network = uniqueName("net");
let port: number;
let h: Harness;

type Answer = { status: number; body: string; retryAfter?: string };

function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 5_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: body.trim(),
            ...(res.headers["retry-after"] ? { retryAfter: String(res.headers["retry-after"]) } : {}),
          }),
        );
      })
      .on("error", reject);
  });
}

beforeAll(async () => {
  port = await freePort();
  h = await startHarness(
    {
      [web]: {
        image: "web",
        verify: "1s",
        proxy: { port, target: 80, healthPath: "/healthz", drain: "1s" },
      },
      [plain]: { image: "web", verify: "1s", ports: [`${await freePort()}:80`] },
    },
    {
      roles: ["bot", "worker", "monitor"],
      fleet: withTestProxy(proxyName, network),
    },
  );
}, 120_000);

afterAll(async () => {
  await h?.close();
  await removeTestProxies(h, proxyName, network);
});

/** Sends the command and returns the channel message once every host has answered. */
async function maintenance(text: string): Promise<string> {
  const before = h.slack.calls.length;
  const ack = await h.command("/maintenance", text);
  expect(ack.status).toBe(200);
  const post = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
    10_000,
    "the maintenance message",
  );
  const ts = String(post.args.__ts);
  return h.slack.waitFor(
    () => {
      const t = h.slack.messageText(ts);
      return t && !t.includes("working…") ? t : undefined;
    },
    60_000,
    "every host's answer",
  );
}

async function deploy(text: string): Promise<string> {
  const before = h.slack.calls.length;
  expect((await h.command("/deploy", text)).status).toBe(200);
  return finishedDeployMessage(h.slack, before);
}

describe("maintenance mode behind the host's Caddy", () => {
  it("answers 503 with the message and Retry-After through a proxy restart and a deploy, then serves again", async () => {
    expect(await deploy(`${web}:v1 beta serverA`)).toContain("Deployed");
    const url = `http://${h.addr.serverA}:${port}/`;
    expect(await get(url)).toEqual({ status: 200, body: "web v1" });

    const on = await maintenance(`${web} beta on Moving the database, back at 18:00`);
    expect(on.split("\n")).toEqual([
      `:construction: Maintenance on for *${web}* in *beta*, requested by <@UDEV>`,
      "> Moving the database, back at 18:00",
      "• *serverA*: the proxy answers 503",
      "• *serverB*: the proxy answers 503",
    ]);
    const closed = { status: 503, body: "Moving the database, back at 18:00", retryAfter: "60" };
    expect(await get(url)).toEqual(closed);
    // serverB never ran the project: its proxy answers for it all the same.
    expect(await get(`http://${h.addr.serverB}:${port}/`)).toEqual(closed);

    const status = await replyTo(h, "/status", `${web} beta`);
    expect(status.text).toMatch(
      new RegExp(
        `:construction: \\*${web}\\* \\(beta\\) on \\*serverA\\* is in maintenance \\(for \\d+s, by <@UDEV>\\)`,
      ),
    );

    // Caddy comes back from a restart with the last config it accepted.
    await h.docker.serverA.getContainer(proxyName).restart({ t: 1 });
    await expect
      .poll(() => get(url).catch(() => undefined), { timeout: 15_000, interval: 250 })
      .toEqual(closed);

    // A deploy meanwhile switches the route's containers, not its maintenance.
    expect(await deploy(`${web}:v2 beta serverA`)).toContain("Deployed");
    expect(await get(url)).toEqual(closed);

    // Asked twice, it says so and changes nothing.
    expect(await maintenance(`${web} beta on Moving the database, back at 18:00`)).toContain(
      "• *serverA*: the proxy answers 503 (already so)",
    );

    const off = await maintenance(`${web} beta off`);
    expect(off.split("\n")[0]).toBe(
      `:white_check_mark: Maintenance off for *${web}* in *beta*, requested by <@UDEV>`,
    );
    expect(await get(url)).toEqual({ status: 200, body: "web v2" });
    // serverB's route only ever answered for maintenance: it is gone, and so is its listener.
    await expect(get(`http://${h.addr.serverB}:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
    expect((await replyTo(h, "/status", `${web} beta`)).text).not.toContain("maintenance");
    expect((await replyTo(h, "/audit", "beta")).text).toContain(`/maintenance ${web} beta off`);
    // The containers never stopped: the monitor has nothing to say about them going away. (A
    // health check timing out on a loaded test machine is another matter, and not this test's.)
    const alerts = alertPosts(h, web).map((c) => blocksText(c.args));
    expect(alerts.filter((t) => !t.includes("is unhealthy"))).toEqual([]);
  }, 240_000);

  it("refuses a project without the proxy, and a message with placeholders, enqueuing nothing", async () => {
    const redis = new Redis(h.fleetEnv.REDIS_URL as string);
    try {
      const jobs = () => redis.keys(`${h.prefix}:dockops-jobs:maintenance-*`);
      const before = await jobs();
      const posts = h.slack.calls.filter((c) => c.method === "chat.postMessage").length;
      const notProxied = await replyTo(h, "/maintenance", `${plain} beta on`);
      expect(notProxied.visibility).toBe("ephemeral");
      expect(notProxied.text).toContain(`*${plain}* is not behind the proxy`);
      const braces = await replyTo(h, "/maintenance", `${web} beta on back soon {env.REGISTRY_PASSWORD}`);
      expect(braces.text).toContain("leave `{` and `}` out of the message");
      expect(await jobs()).toEqual(before);
      expect(h.slack.calls.filter((c) => c.method === "chat.postMessage").length).toBe(posts);
    } finally {
      redis.disconnect();
    }
  });
});
