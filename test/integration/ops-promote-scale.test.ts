import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo, runToEnd, storedWork } from "../support/ops-flow.js";

const promoted = uniqueName("pr");
const scaled = uniqueName("sc");
const raced = uniqueName("cc");
let racePort: number;
let h: Harness;

beforeAll(async () => {
  racePort = await freePort();
  h = await startHarness(
    {
      [promoted]: { image: "web", tag: "v2", verify: "1s" },
      [scaled]: { image: "web", tag: "v1", verify: "1s" },
      [raced]: { image: "web", tag: "v1", ports: [`${racePort}:80`], verify: "1s" },
    },
    // No approval here, so a promotion runs without one.
    { environments: { staging: { channel: "CSTAGING", hosts: ["serverC"] } } },
  );
});
afterAll(async () => {
  await h?.close();
});

const labels = async (host: "serverA" | "serverB" | "serverC", project: string) =>
  (await managedContainers(h.docker[host], project)).map((c) => c.Labels);

describe("promote", () => {
  it("deploys to staging exactly the digest beta runs", async () => {
    expect(await runToEnd(h, "/deploy", `${promoted}:v2 beta`)).toContain("Deployed");
    const beta = [...(await labels("serverA", promoted)), ...(await labels("serverB", promoted))];
    const digests = new Set(beta.map((l) => l["dockops.digest"]));
    expect(digests.size).toBe(1);

    const text = await runToEnd(h, "/promote", `${promoted} beta staging`);
    expect(text).toContain(`Deployed *${promoted}:v2* to *staging* on serverC`);
    const staging = await labels("serverC", promoted);
    expect(staging.map((l) => [l["dockops.env"], l["dockops.digest"]])).toEqual([
      ["staging", [...digests][0]],
    ]);
  });

  it("refuses when beta runs different digests, saying which host runs which", async () => {
    expect(await runToEnd(h, "/deploy", `${promoted}:v1 beta serverA`)).toContain("Deployed");
    const stored = await storedWork(h);
    const reply = await replyTo(h, "/promote", `${promoted} beta staging`);
    expect(reply.text).toMatch(
      /runs different images — serverA runs `[0-9a-f]{12}` \(v1\); serverB runs `[0-9a-f]{12}` \(v2\)/,
    );
    expect(await storedWork(h)).toEqual(stored);
  });

  it("into an environment that needs approval, refuses at once a promotion it cannot pin", async () => {
    // beta still runs two images: no approval request is posted for a plan that cannot be shown.
    const stored = await storedWork(h);
    const reply = await replyTo(h, "/promote", `${promoted} beta prod`);
    expect(reply.text).toMatch(/^Cannot promote: .* runs different images/);
    expect(await storedWork(h)).toEqual(stored);
  });
});

describe("scale", () => {
  it("scales to 2 replicas on a host, then back to 1", async () => {
    expect(await runToEnd(h, "/deploy", `${scaled} beta serverA`)).toContain("Deployed");
    const [digest] = (await labels("serverA", scaled)).map((l) => l["dockops.digest"]);

    const up = await runToEnd(h, "/scale", `${scaled} beta 2 serverA`);
    expect(up).toMatch(/_scale to 2 \(serverA: 2\)_/);
    expect(up).toMatch(/serverA\*: running 2 replicas of/);
    const two = await managedContainers(h.docker.serverA, scaled);
    expect(two).toHaveLength(2);
    expect(two.map((c) => c.Labels["dockops.replica"]).sort()).toEqual(["1", "2"]);
    expect(new Set(two.map((c) => c.Names[0])).size).toBe(2);
    expect(two.every((c) => c.Labels["dockops.digest"] === digest)).toBe(true);

    // A plain deploy keeps the replica count.
    expect(await runToEnd(h, "/deploy", `${scaled}:v2 beta serverA`)).toContain("running 2 replicas");
    expect(await managedContainers(h.docker.serverA, scaled)).toHaveLength(2);

    expect(await runToEnd(h, "/scale", `${scaled} beta 1 serverA`)).toContain("Deployed");
    const one = await managedContainers(h.docker.serverA, scaled);
    expect(one).toHaveLength(1);
    expect(one[0]?.Labels["dockops.version"]).toBe("v2");
  });

  it("refuses what cannot work, with the reason, and a dry run changes nothing", async () => {
    const ports = await replyTo(h, "/scale", `${raced} beta 3`);
    expect(ports.text).toMatch(/publishes host ports .* at most one replica: at most 2 on 2 hosts/);
    const stored = await storedWork(h);
    const dry = await replyTo(h, "/scale", `${scaled} beta 3 --dry-run`);
    expect(dry.text).toContain("Dry run — nothing was done");
    expect(dry.text).toMatch(/\*serverA\*: `[0-9a-f]{12}` \(v2\) → `[0-9a-f]{12}` \(v2\) · 1 → 2 replica/);
    expect(dry.text).toMatch(/\*serverB\*: nothing running → .* · 0 → 1 replica/);
    const nothing = await replyTo(h, "/scale", `${scaled} staging 1`);
    expect(nothing.text).toMatch(/nothing of .* is running; deploy it first/);
    expect(await storedWork(h)).toEqual(stored);
    expect(await managedContainers(h.docker.serverA, scaled)).toHaveLength(1);
  });
});

describe("one deploy per project, env and host at a time", () => {
  it("two concurrent deploys to one host end with exactly one running container", async () => {
    const [first, second] = await Promise.all([
      runToEnd(h, "/deploy", `${raced}:v1 beta serverB`, { posted: `${raced}:v1*` }),
      runToEnd(h, "/deploy", `${raced}:v2 beta serverB`, { posted: `${raced}:v2*` }),
    ]);
    expect(first).toContain("Deployed");
    expect(second).toContain("Deployed");
    const running = await managedContainers(h.docker.serverB, raced);
    expect(running).toHaveLength(1);
    const body = (await httpGet(`http://${h.addr.serverB}:${racePort}/`))?.body;
    expect(body).toBe(`web ${running[0]?.Labels["dockops.version"]}`);
    expect(h.logs.join("")).toMatch(/waiting for deploy [a-z0-9]+ on this host to finish/);
  });
});
