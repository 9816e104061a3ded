import { createServer, type Server, type Socket } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployStore } from "../../src/deploys/store.js";
import { shortDigest } from "../../src/names.js";
import { typedForm } from "../../src/slack/command-set.js";
import { managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { ask, deployed, storeOf } from "../support/ops-read.js";

const web = uniqueName("rd");
const kept = uniqueName("kp");
let h: Harness;
let store: DeployStore;
let redis: Redis;
/** Accepts connections and never answers: a host whose Docker daemon hangs. */
let silent: Server;
const held: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const silentPort = (silent.address() as { port: number }).port;
  const port = await freePort();
  h = await startHarness(
    {
      [web]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" },
      [kept]: { image: "web", tag: "v1", verify: "1s", keep: 1 },
    },
    {
      hosts: {
        // Accepts the connection, never answers.
        serverY: { docker: `tcp://127.0.0.1:${silentPort}`, timeout: "10s" },
        // Inside the project's own address range, at a port nothing listens on.
        serverZ: { docker: "tcp://10.250.0.2:2399", timeout: "10s" },
      },
    },
  );
  ({ store, redis } = storeOf(h));
});
afterAll(async () => {
  await redis?.quit();
  await h?.close();
  for (const socket of held) socket.destroy();
  silent?.close();
});

/** The table row of `host` (showing `project`, if given) in a /status or /hosts reply. */
const rowOf = (text: string, host: string, project = "") =>
  text.split("\n").find((l) => l.startsWith(`${host} `) && l.includes(project)) ?? "";

describe("reading the fleet", () => {
  it("/status shows the deployed version and short digest on the right host", async () => {
    const record = await deployed(h, store, { project: web, env: "beta" }, `${web}:v1 beta serverA`);
    expect(record.hosts.serverA?.state).toBe("succeeded");
    const [running] = await managedContainers(h.docker.serverA, web);
    const digest = running?.Labels["dockops.digest"] ?? "none";

    const { text, visibility } = await ask(h, "/status", `${web} beta`);
    expect(visibility).toBe("ephemeral");
    expect(rowOf(text, "serverA", web)).toMatch(
      new RegExp(`^serverA +${web} +beta +v1 \\(${shortDigest(digest)}\\) +running +healthy +\\d+s +r0$`),
    );
    expect(rowOf(text, "serverB")).toBe("");
    expect(text).toContain(`Nothing of ${web} in beta on serverB.`);
  });

  it("unreachable and silent hosts show as unreachable within the 5 s timeout, in /status and /hosts", async () => {
    const status = await ask(h, "/ops", "status");
    expect(status.ms).toBeGreaterThanOrEqual(4_900);
    expect(status.ms).toBeLessThan(6_000);
    expect(rowOf(status.text, "serverZ")).toMatch(/^serverZ +— +— +— +unreachable/);
    expect(rowOf(status.text, "serverY")).toMatch(/^serverY +— +— +— +unreachable/);
    expect(rowOf(status.text, "serverA", web)).toMatch(new RegExp(`^serverA +${web} +beta +v1 `));
    expect(status.text).toMatch(/Unreachable: serverY: no answer within 5s; serverZ: ECONNREFUSED/);

    const hosts = await ask(h, "/hosts", "serverA serverB serverC serverZ");
    expect(hosts.ms).toBeLessThan(2_000);
    expect(rowOf(hosts.text, "serverZ")).toMatch(
      /^serverZ +no \(ECONNREFUSED\) +— +— +plain TCP \(INSECURE\)/,
    );
    expect(rowOf(hosts.text, "serverA")).toMatch(
      /^serverA +yes +\d+\.\d+\.\d+\S* +\d+\/\d+ +unix socket +\d+$/,
    );
    expect(hosts.text).toMatch(new RegExp(`\\n• \\*serverA\\*: .*\\b${web}\\b`));
    expect(rowOf(hosts.text, "serverB")).toMatch(/ plain TCP \(INSECURE\) /);
    expect(rowOf(hosts.text, "serverC")).toMatch(/ TLS /);
    expect(hosts.text).toMatch(/:warning: serverB, serverZ: Docker API over plain TCP without TLS/);
  });

  it("/logs returns the lines the container printed, and long logs as an uploaded file", async () => {
    const short = await ask(h, "/logs", `${web} beta serverA --tail 20`);
    expect(short.text).toMatch(new RegExp(`\\*serverA · ${web}-beta-\\w+ \\(running\\) · \\d+ lines?\\*`));
    expect(short.text).toContain("```\nweb v1 starting");

    // Lines written to PID 1's stdout land in the container's log, as if the app printed them.
    const [running] = await managedContainers(h.docker.serverA, web);
    const exec = await h.docker.serverA.getContainer(running?.Id ?? "").exec({
      Cmd: ["sh", "-c", "for i in $(seq 1 60); do echo log line $i > /proc/1/fd/1; done"],
    });
    await exec.start({ Detach: true });
    await new Promise((r) => setTimeout(r, 500));

    const uploadsBefore = h.slack.uploads.length;
    const long = await ask(h, "/logs", `${web} beta serverA --tail 200`);
    expect(long.text).toContain(`uploaded to this channel as \`${web}-beta-logs.txt\``);
    const upload = h.slack.uploads[uploadsBefore];
    expect(upload?.body).toContain("web v1 starting");
    expect(upload?.body).toContain("log line 60");
    const complete = h.slack.calls.find((c) => c.method === "files.completeUploadExternal");
    expect(complete?.args.channel_id).toBe("CBETA");
  });

  it("/history lists both deploys newest first with who, version, digest, result and duration", async () => {
    await deployed(h, store, { project: web, env: "beta" }, `${web}:v2 beta serverA`);
    const { text } = await ask(h, "/history", `${web} beta`);
    const lines = text.split("\n");
    expect(lines[0]).toBe(`*Last 2 deploys of ${web} to beta*, newest first:`);
    expect(lines[1]).toMatch(
      /<@UDEV> deployed \*v2\* \(`[0-9a-f]{12}`\) to serverA — :white_check_mark: succeeded in \d+\.\ds/,
    );
    expect(lines[2]).toMatch(
      /<@UDEV> deployed \*v1\* \(`[0-9a-f]{12}`\) to serverA — :white_check_mark: succeeded/,
    );
  });

  it("/images lists the registry's tags newest first, marking the one that runs", async () => {
    const { text } = await ask(h, "/images", web);
    const rows = text.split("\n").filter((l) => /^[* ] \w+ /.test(l));
    const tags = rows.map((r) => r.slice(2).split(/\s+/)[0]);
    expect(tags.indexOf("v2")).toBeLessThan(tags.indexOf("v1"));
    expect(tags).toEqual(expect.arrayContaining(["v1", "v2", "latest", "crash", "sick"]));
    expect(rows.find((r) => r.slice(2).startsWith("v2 "))).toMatch(/^\* v2 .* beta@serverA$/);
    expect(rows.find((r) => r.slice(2).startsWith("v1 "))).toMatch(/^ {2}v1 .* —$/);
  });

  it("keeps only `keep` stopped containers after repeated deploys", async () => {
    for (let i = 0; i < 4; i++) {
      const record = await deployed(h, store, { project: kept, env: "beta" }, `${kept} beta serverA`);
      expect(record.hosts.serverA?.state).toBe("succeeded");
    }
    const all = await managedContainers(h.docker.serverA, kept, true);
    expect(all.filter((c) => c.State === "running")).toHaveLength(1);
    expect(all.filter((c) => c.State !== "running")).toHaveLength(1);
  });

  it("/prune removes dangling images on the host, through a worker job", async () => {
    const [running] = await managedContainers(h.docker.serverA, web);
    const scratch = await h.docker.serverA.createContainer({
      Image: running?.ImageID ?? "",
      Labels: { "dockops-test": "prune" },
    });
    // A commit without a repository makes an untagged image that no container uses: dangling.
    const { Id: dangling } = (await scratch.commit({
      changes: [`LABEL dockops-test=${uniqueName("img")}`],
    })) as {
      Id: string;
    };
    await scratch.remove({ force: true });
    expect((await h.docker.serverA.getImage(dangling).inspect()).Id).toBe(dangling);

    const { text, visibility } = await ask(h, "/prune", "serverA", { user: "UOPS" });
    expect(visibility).toBe("in_channel");
    expect(text).toMatch(/<@UOPS> pruned dangling images on \*serverA\*: [1-9]\d* images and layers removed/);
    await expect(h.docker.serverA.getImage(dangling).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // Images of containers (running, or kept for rollback) stay.
    expect(await managedContainers(h.docker.serverA, web)).toHaveLength(1);
    await h.docker.serverA.getImage(running?.ImageID ?? "").inspect();
  });
});

describe("bad input to the read commands changes nothing", () => {
  it.each([
    ["/status", "nosuch", /no project `nosuch`/],
    ["/hosts", "serverQ", /no host `serverQ`/],
    ["/history", web, /name a project and an environment/],
    ["/logs", `${web} beta --tail 0`, /`--tail` must be a whole number from 1 to 5000/],
    ["/logs", `${web} beta --since yesterday`, /`--since` takes a duration/],
    ["/images", "", /name a project/],
    ["/jobs", "many", /`n` must be a whole number/],
    ["/job", "$(id)", /is not a job id/],
    ["/cancel", "", /name one job id/],
    ["/prune", "serverQ;rm", /no host `serverQ;rm`/],
  ])("%s %s → usage", async (command, text, expected) => {
    const callsBefore = h.slack.calls.length;
    // BullMQ's own bookkeeping (the stalled-check key lives a few seconds) comes and goes by itself.
    const jobKeys = async () =>
      (await redis.keys(`${h.prefix}:dockops-jobs:*`))
        .filter((k) => !/:(stalled-check|stalled|marker)$/.test(k))
        .sort();
    const jobsBefore = await jobKeys();
    const reply = await ask(h, command, text);
    expect(reply.visibility).toBe("ephemeral");
    expect(reply.text).toMatch(expected);
    // Help shows the form this installation has: `/status` is Slack's own, so `/ops status`.
    expect(reply.text).toContain(`Usage: \`${typedForm(h.commands, command.slice(1))}`);
    await new Promise((r) => setTimeout(r, 100));
    // Only late edits of earlier deploy messages may arrive; nothing new is posted or uploaded.
    expect(h.slack.calls.slice(callsBefore).filter((c) => c.method !== "chat.update")).toEqual([]);
    expect(await jobKeys()).toEqual(jobsBefore);
  });
});
