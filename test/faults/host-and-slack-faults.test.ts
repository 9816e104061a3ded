import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

/**
 * Hosts that are down or hang, and a Slack that rate-limits or refuses: the deploy goes on where
 * it can, names the failing host, and the channel message still ends up telling the truth.
 */
const project = uniqueName("hf");
let port: number;
let h: Harness;
let hang: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  port = await freePort();
  // A "Docker host" that accepts connections and never answers: a host that is up but stuck.
  hang = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", resolve));
  const hangPort = (hang.address() as { port: number }).port;
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } },
    {
      hosts: {
        // Nothing listens on this port of serverA's address: connection refused at once.
        downhost: { docker: "tcp://10.250.0.2:2399", timeout: "2s" },
        hanghost: { docker: `tcp://127.0.0.1:${hangPort}`, timeout: "2s" },
      },
      environments: { mixed: { channel: "CMIXED", hosts: ["serverA", "serverC", "downhost", "hanghost"] } },
    },
  );
});
afterAll(async () => {
  await h?.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => hang?.close(() => resolve()));
});

async function deployAndWait(text: string, channel = "CMIXED"): Promise<string> {
  const before = h.slack.calls.length;
  await h.command("/deploy", text, { channel });
  const post = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
    10_000,
    "deploy message",
  );
  const ts = String(post.args.__ts);
  return h.slack.waitFor(
    () => {
      const t = h.slack.messageText(ts);
      return t && /^:(white_check_mark|x|warning):/.test(t) ? t : undefined;
    },
    100_000,
    "the deploy to finish",
  );
}

describe("faults around a deploy", () => {
  it("a host that is down or hangs fails alone, named, while the others deploy (one over TLS)", async () => {
    const text = await deployAndWait(`${project}:v1 mixed`);
    expect(text).toMatch(/partly failed \(2 of 4 hosts\)/);
    expect(text).toMatch(/\*serverA\*: running/);
    expect(text).toMatch(/\*serverC\*: running/);
    expect(await httpGet(`http://${h.addr.serverC}:${port}/`)).toEqual({ status: 200, body: "web v1" });
    expect(text).toMatch(/\*downhost\*: failed.*host downhost is unreachable \(ECONNREFUSED\)/);
    expect(text).toMatch(/\*hanghost\*: failed.*host hanghost is unreachable/);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });
  });

  it("rate-limited message updates are retried and the message still ends right", async () => {
    h.slack.failNext("chat.update", 2, "rate_limited");
    const text = await deployAndWait(`${project}:v2 mixed serverA`);
    expect(text).toContain(`Deployed *${project}:v2*`);
    expect(h.slack.calls.filter((c) => c.method === "chat.update#failed")).toHaveLength(2);
  });

  it("a channel the bot cannot post in does not stop the deploy, and the requester is told", async () => {
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
    h.slack.failNext("chat.postMessage", 1, "not_in_channel");
    const res = await h.command("/deploy", `${project}:v1 mixed serverA`, { channel: "CMIXED" });
    const reply = await h.slack.waitFor(
      () => h.slack.responses.find((r) => r.id === res.responseId),
      10_000,
      "the ephemeral notice",
    );
    expect(String(reply.body.text)).toMatch(/could not post in this channel \(.*not_in_channel.*\)/);
    const served = await new Promise<string | undefined>((resolve) => {
      const deadline = Date.now() + 60_000;
      const poll = async () => {
        const r = await httpGet(`http://${h.addr.serverA}:${port}/`);
        if (r?.body === "web v1") resolve(r.body);
        else if (Date.now() > deadline) resolve(r?.body);
        else setTimeout(poll, 500);
      };
      void poll();
    });
    expect(served).toBe("web v1");
  });
});
