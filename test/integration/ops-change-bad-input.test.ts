import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { firstAnswer, storedWork } from "../support/ops-flow.js";

const project = uniqueName("bc");
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    [project]: { image: "web", tag: "v1", ports: ["8080:80"], exec: { allow: ["nginx -s reload"] } },
  });
});
afterAll(async () => {
  await h?.close();
});

describe("bad input to the change commands changes nothing", () => {
  it.each([
    ["/rollback", "nosuch beta", /no project `nosuch`/, "/rollback"],
    ["/rollback", `${project} beta serverD`, /no host `serverD`; did you mean/, "/rollback"],
    ["/rollback", `${project} beta --now`, /unknown option `--now`/, "/rollback"],
    ["/promote", `${project} beta`, /the one to promote to/, "/promote"],
    ["/promote", `${project} beta beta`, /not `beta` to itself/, "/promote"],
    ["/promote", `${project} beta ../../prod`, /no environment `..\/..\/prod`/, "/promote"],
    [
      "/scale",
      `${project} beta 3`,
      /publishes host ports \(8080:80\), so each host runs at most one replica/,
      "/scale",
    ],
    ["/scale", `${project} beta -1`, /`-1` is not a number of replicas/, "/scale"],
    ["/scale", `${project} beta 2;reboot`, /`2;reboot` is not a number of replicas/, "/scale"],
    [
      "/exec",
      `${project} beta serverA nginx -s reload`,
      /put `--` between the host and the command/,
      "/exec",
    ],
    ["/exec", `${project} beta serverA -- rm -rf /`, /`rm -rf \/` was not run/, null],
    ["/exec", `${project} beta serverA -- nginx -s reload; rm -rf /`, /was not run/, null],
    ["/exec", `${project} beta serverA -- $(nginx -s reload)`, /was not run/, null],
    ["/lock", `${project} beta`, /say why/, "/lock"],
    ["/lock", `${project} staging freeze`, /no environment `staging`/, "/lock"],
    ["/unlock", `${project}`, /name a project and an environment/, "/unlock"],
    ["/ops", `rollback ${project}`, /name a project and an environment/, "/rollback"],
    ["/ops", `scale ${project} beta x`, /`x` is not a number/, "/scale"],
  ])("%s %s gets a usage message and no job", async (command, text, expected, usageOf) => {
    const before = h.slack.calls.length;
    const res = await h.command(command, text);
    expect(res.status).toBe(200);
    const body = await firstAnswer(h, res);
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(expected);
    if (usageOf) expect(body.text).toContain(`Usage: \`${usageOf}`);
    await new Promise((r) => setTimeout(r, 150));
    expect(h.slack.calls.slice(before).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    expect(await storedWork(h)).toEqual({ jobs: [], deploys: [], waiting: 0 });
  });

  it("rollback with no earlier version does nothing, even where approval is needed; exec there only asks", async () => {
    for (const [command, text, expected] of [
      [
        "/rollback",
        `${project} beta serverA`,
        /Nothing to roll back to on \*serverA\*: no successful deploy/,
      ],
      ["/exec", `${project} prod serverB -- nginx -s reload`, /^Approval requested from <@ULEAD>/],
      // Refused at once: an approval request shows what it would run, and there is nothing.
      ["/rollback", `${project} prod`, /^Nothing to roll back to on \*serverB\*: no successful deploy/],
    ] as const) {
      const res = await h.command(command, text);
      const reply = await h.slack.waitFor(
        () => h.slack.responses.find((r) => r.id === res.responseId),
        10_000,
        "the reply",
      );
      expect(String(reply.body.text)).toMatch(expected);
    }
    const posts = h.slack.calls.filter((c) => c.method === "chat.postMessage");
    expect(posts.map((c) => h.slack.messageText(String(c.args.__ts))?.split(" asked to ")[0])).toEqual([
      ":lock: *Approval needed:* <@UDEV>",
    ]);
    expect(await storedWork(h)).toEqual({ jobs: [], deploys: [], waiting: 0 });
  });
});
