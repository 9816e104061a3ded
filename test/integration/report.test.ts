import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployStore } from "../../src/deploys/store.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { replyTo, runToEnd } from "../support/ops-flow.js";
import { deployed, storeOf } from "../support/ops-read.js";

const project = uniqueName("dora");
let h: Harness;
let store: DeployStore;
let close: () => Promise<unknown>;

beforeAll(async () => {
  h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "1s" } });
  const read = storeOf(h);
  store = read.store;
  close = () => read.redis.quit();
});
afterAll(async () => {
  await close?.();
  await h?.close();
});

describe("/report on a real sequence of deploys", () => {
  it("counts deploys, the failed one and the rolled-back one, with a lead time from the image's build", async () => {
    const target = { project, env: "beta" };
    const v1 = await deployed(h, store, target, `${project}:v1 beta serverA`);
    expect(v1.hosts.serverA?.state).toBe("succeeded");
    expect(v1.hosts.serverA?.imageCreatedAt).toBeGreaterThan(0);
    await deployed(h, store, target, `${project}:v2 beta serverA`);
    const crash = await deployed(h, store, target, `${project}:crash beta serverA`);
    expect(crash.hosts.serverA?.state).toBe("failed");
    await runToEnd(h, "/rollback", `${project} beta serverA`);

    const report = await replyTo(h, "/report", `${project} beta`);
    // v1, v2, crash and the rollback: four deploys. The crash failed (the rollback after it
    // does not count it twice); nothing else failed or raised an alert: 1 of 4.
    expect(report.visibility).toBe("ephemeral");
    const row = report.text.split("\n").find((l) => l.startsWith(project));
    expect(row).toBeDefined();
    const cells = (row as string).split(/\s{2,}/);
    expect(cells.slice(0, 5)).toEqual([project, "beta", "4", "4", "25% (1)"]);
    expect(cells[5]).toMatch(/^\d+(ms|s|m|h|d)/);
  });
});
