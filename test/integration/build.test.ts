import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/registry/client.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { httpGet } from "../support/docker.js";
import { need } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo } from "../support/ops-flow.js";
import type { ApiCall } from "../support/slack-standin.js";

const project = uniqueName("bld");
const repo = mkdtempSync(join(tmpdir(), "dockops-build-repo-"));
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo })
    .toString()
    .trim();

/** The test base image the fleet has on serverA; the page says which commit it was built from. */
function dockerfile(run: string): string {
  return [
    "FROM local/busybox:1",
    "ARG GREETING=unset",
    "COPY index.html /www/index.html",
    `RUN ${run}`,
    "EXPOSE 80",
    "HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1/healthz",
    'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]',
    "",
  ].join("\n");
}
// The slow step is there so that the message shows it; the project name keeps Docker's build
// cache of an earlier run from skipping it.
function commit(
  page: string,
  run = `echo ${project} && sleep 3 && echo "greeting $GREETING" && echo ok >/www/healthz`,
): string {
  writeFileSync(join(repo, "index.html"), page);
  writeFileSync(join(repo, "Dockerfile"), dockerfile(run));
  git("add", "-A");
  git("commit", "-q", "-m", page);
  return git("rev-parse", "HEAD");
}

let h: Harness;
let port: number;
let first: string;
let second: string;
let slowCommit: string;

beforeAll(async () => {
  git("init", "-q", "-b", "main");
  first = commit("build one");
  git("tag", "v1");
  // A step silent for longer than the host's Docker API timeout (10 s here): builds must not
  // take that idle timeout for a dead daemon.
  second = commit(
    "build two",
    `echo ${project} && sleep 12 && echo "greeting $GREETING" && echo ok >/www/healthz`,
  );
  git("checkout", "-q", "-b", "broken");
  commit("build broken", "echo compiling the broken part && exit 4");
  git("checkout", "-q", "main");
  git("checkout", "-q", "-b", "slow");
  slowCommit = commit("build slow", `echo ${project}-slow && sleep 60 && echo ok >/www/healthz`);
  git("checkout", "-q", "main");
  port = await freePort();
  h = await startHarness({
    [project]: {
      image: `builds/${project}`,
      ports: [`${port}:80`],
      verify: "1s",
      stopTimeout: "1s",
      build: { repo, builder: "serverA", args: { GREETING: "from-fleet" } },
    },
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  for (const ref of [first, second].filter(Boolean)) {
    await h?.docker.serverA
      .getImage(`${h.fleet.registry.url}/builds/${project}:sha-${ref}`)
      .remove({ force: true })
      .catch(() => {});
  }
  rmSync(repo, { recursive: true, force: true });
});

/** The build messages posted since call `since`. */
const buildPosts = (since: number): ApiCall[] =>
  h.slack.calls
    .slice(since)
    .filter(
      (c) => c.method === "chat.postMessage" && JSON.stringify(c.args).includes(`uild of *${project}*`),
    );

/** Sends /build and waits for its channel message to end; returns the final call. */
async function build(text: string): Promise<{ text: string; call: ApiCall; all: string[] }> {
  const since = h.slack.calls.length;
  const ack = await h.command("/build", text);
  expect(ack.status).toBe(200);
  const post = await h.slack.waitFor(() => buildPosts(since)[0], 20_000, `the message of /build ${text}`);
  const ts = String(post.args.__ts);
  const done = await h.slack.waitFor(
    () => {
      const body = h.slack.messageText(ts) ?? "";
      return /^:(white_check_mark|x):/.test(body) ? body : undefined;
    },
    180_000,
    `/build ${text} to finish`,
  );
  const calls = h.slack.calls.filter(
    (c) => (c.method === "chat.update" && c.args.ts === ts) || c.args.__ts === ts,
  );
  return {
    text: done,
    call: calls[calls.length - 1] as ApiCall,
    all: calls.map((c) => JSON.stringify(c.args)),
  };
}

function deployButton(
  call: ApiCall,
): { action_id: string; value: string; text: { text: string } } | undefined {
  const blocks = call.args.blocks as Array<{ type: string; elements?: unknown[] }>;
  const el = blocks.find((b) => b.type === "actions")?.elements?.[0];
  return el as { action_id: string; value: string; text: { text: string } } | undefined;
}

describe("/build end to end (real git, real Docker, real registry)", () => {
  it("builds a tag and a branch, pushes both tags of each, and the Deploy button deploys the build", async () => {
    const one = await build(`${project} v1`);
    expect(one.text).toMatch(
      new RegExp(
        `^:white_check_mark: Built \\*${project}:v1-${first.slice(0, 7)}\\* from \`v1\` \\(commit \`${first.slice(0, 7)}\`\\) on \\*serverA\\*`,
      ),
    );
    expect(one.text).toMatch(/Digest `[0-9a-f]{12}`, size \d+\.\d MB/);
    // The message followed the Dockerfile's steps while it ran.
    expect(
      one.all.some((a) =>
        /step 4 of \d+ \(commit `[0-9a-f]{7}`\): RUN echo [a-z0-9]+ &amp;&amp; sleep 3/.test(a),
      ),
    ).toBe(true);

    const two = await build(project);
    const tag = `main-${second.slice(0, 7)}`;
    expect(two.text).toContain(`Built *${project}:${tag}* from \`main\``);

    const registry = new RegistryClient(h.fleet.registry);
    const tags = await registry.listTags(`builds/${project}`);
    expect(tags.sort()).toEqual(
      [`main-${second.slice(0, 7)}`, `sha-${first}`, `sha-${second}`, `v1-${first.slice(0, 7)}`].sort(),
    );
    expect(await registry.resolveDigest(`builds/${project}`, `sha-${second}`)).toBe(
      await registry.resolveDigest(`builds/${project}`, tag),
    );
    const images = await replyTo(h, "/images", project);
    expect(images.text).toContain(tag);
    expect(images.text).toContain(`v1-${first.slice(0, 7)}`);

    // The build log is the job's log.
    const jobId = /`\/job (build-[a-z0-9]+)`/.exec(two.all.join("\n"))?.[1] ?? "";
    expect(jobId).not.toBe("");
    expect((await replyTo(h, "/job", jobId)).text).toContain("greeting from-fleet");

    const button = deployButton(two.call);
    expect(button).toMatchObject({ action_id: "build-deploy", value: `${project}:${tag} beta` });
    expect(button?.text.text).toBe("Deploy to beta");
    const before = h.slack.calls.length;
    const press = await h.pressOn(button?.action_id ?? "", button?.value ?? "", {
      channel: "CBETA",
      ts: String(two.call.args.ts ?? two.call.args.__ts),
    });
    expect(press.status).toBe(200);
    const deployed = await finishedDeployMessage(h.slack, before, 120_000);
    expect(deployed).toContain(`Deployed *${project}:${tag}* to *beta*`);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "build two" });
  }, 400_000);

  it("a broken Dockerfile fails and the message shows the failing step and its last lines", async () => {
    const broken = await build(`${project} broken`);
    expect(broken.text).toContain(`:x: Build of *${project}* at \`broken\` on *serverA* failed`);
    expect(broken.text).toContain("(RUN echo compiling the broken part &amp;&amp; exit 4) failed");
    expect(broken.text).toMatch(/failed, requested by <@UDEV>: step 4 of \d+ \(RUN/);
    expect(broken.text).toContain("returned a non-zero code: 4");
    expect(broken.text).toContain("compiling the broken part");
    expect(deployButton(broken.call)).toBeUndefined();
    const tags = await new RegistryClient(h.fleet.registry).listTags(`builds/${project}`);
    expect(tags.filter((t) => t.startsWith("broken"))).toEqual([]);
  }, 200_000);

  it("two identical /builds at once are one build", async () => {
    const since = h.slack.calls.length;
    const acks = await Promise.all([
      h.command("/build", `${project} v1 --tag twice`),
      h.command("/build", `${project} v1 --tag twice`),
    ]);
    const ids = acks.map((a) => a.responseId);
    // One of them posts the build message; the other requester alone is told it joined it.
    const told = await h.slack.waitFor(
      () => h.slack.responses.find((r) => ids.includes(r.id)),
      30_000,
      "the reply to the second /build",
    );
    expect(String(told.body.text)).toContain("is already under way as `build-");
    expect(told.body.response_type).toBe("ephemeral");
    await h.slack.waitFor(
      () => {
        const post = buildPosts(since)[0];
        const body = post ? (h.slack.messageText(String(post.args.__ts)) ?? "") : "";
        return body.startsWith(":white_check_mark:") ? body : undefined;
      },
      180_000,
      "the one build to finish",
    );
    expect(buildPosts(since)).toHaveLength(1);
    expect(h.slack.responses.filter((r) => ids.includes(r.id))).toHaveLength(1);
    expect(await buildJobs()).toHaveLength(4);
  }, 240_000);

  it("bad input gets usage and enqueues nothing", async () => {
    const before = await buildJobs();
    const answer = await replyTo(h, "/build", `${project} main --tag bad/tag`);
    expect(answer.text).toMatch(/`bad\/tag` is not a tag for the image/);
    expect((await replyTo(h, "/build", `${project} --upload-pack=touch`)).text).toMatch(/unknown option/);
    expect(await buildJobs()).toEqual(before);
  });
});

describe("/cancel of a running build", () => {
  it("stops the build on the daemon, removes its containers and leaves no image tag", async () => {
    const since = h.slack.calls.length;
    expect((await h.command("/build", `${project} slow`)).status).toBe(200);
    const post = await h.slack.waitFor(() => buildPosts(since)[0], 20_000, "the message of the slow build");
    const ts = String(post.args.__ts);
    // Cancel while the daemon runs the minute-long step.
    const running = await h.slack.waitFor(
      () => {
        const text = h.slack.messageText(ts) ?? "";
        return /step 4 of \d+ .*sleep 60/.test(text) ? text : undefined;
      },
      120_000,
      "the slow step to run",
    );
    const jobId = /`\/job (build-[a-z0-9]+)`/.exec(running)?.[1] ?? "";
    expect(jobId).not.toBe("");
    const step = (c: { Command: string }) => c.Command.includes(`${project}-slow`);
    const cancel = await replyTo(h, "/cancel", jobId);
    expect(cancel.visibility).toBe("in_channel");
    expect(cancel.text).toContain(`<@UDEV> is cancelling build job \`${jobId}\``);
    const ended = await h.slack.waitFor(
      () => {
        const text = h.slack.messageText(ts) ?? "";
        return text.startsWith(":x:") ? text : undefined;
      },
      60_000,
      "the build to end cancelled",
    );
    expect(ended).toContain("cancelled with /cancel by UDEV; nothing was tagged or pushed");
    // The daemon stopped the step: its container goes long before the minute would have passed.
    const deadline = Date.now() + 30_000;
    let left = (await h.docker.serverA.listContainers({ all: true })).filter(step);
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      left = (await h.docker.serverA.listContainers({ all: true })).filter(step);
    }
    expect(left).toEqual([]);
    const repo = `${h.fleet.registry.url}/builds/${project}`;
    const images = await h.docker.serverA.listImages({ filters: { reference: [repo] } });
    expect(images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.includes(":slow-"))).toEqual([]);
    const tags = await new RegistryClient(h.fleet.registry).listTags(`builds/${project}`);
    expect(tags.filter((t) => t.startsWith("slow") || t === `sha-${slowCommit}`)).toEqual([]);
    expect(images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.endsWith(`:sha-${slowCommit}`))).toEqual(
      [],
    );
  }, 240_000);
});

/** The build jobs of this harness's queue. */
async function buildJobs(): Promise<string[]> {
  const redis = new Redis(need(h.fleetEnv, "REDIS_URL"));
  try {
    const keys = await redis.keys(`${h.prefix}:dockops-jobs:build-*`);
    return keys.filter((k) => /:build-[a-z0-9]+$/.test(k)).sort();
  } finally {
    redis.disconnect();
  }
}
