/**
 * Deploy speed as a ratio against raw Docker, both measured in this run on the same host
 * (machines here are shared and noisy: only ratios mean something). Run: `npm run bench`.
 *
 *  raw      pull by digest (cached) + create + start + wait for `healthy`, stop + remove the old
 *           container — what a careful human does by hand with the docker CLI.
 *  dockops  /deploy through the real Bolt app, the queue and a worker, until the deploy record
 *           says succeeded (verify window 0 s, so only the bot's own overhead is added), and
 *           until the channel message shows it.
 */
import { Redis } from "ioredis";
import { DeployStore } from "../../src/deploys/store.js";
import { pullImage } from "../../src/docker/pull.js";
import { RegistryClient } from "../../src/registry/client.js";
import { startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function deployBench(rounds = ROUNDS): Promise<Record<string, unknown>> {
  const ROUNDS = rounds;
  const project = uniqueName("bench");
  const rawName = uniqueName("raw");
  const [port, rawPort] = [await freePort(), await freePort()];
  const h = await startHarness({
    [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "0s", stopTimeout: "2s" },
  });
  const redis = new Redis(h.fleetEnv.REDIS_URL as string);
  const store = new DeployStore(redis, h.prefix);
  const registry = new RegistryClient(h.fleet.registry);
  const docker = h.docker.serverA;
  const auth = registry.authConfig();
  const raw: number[] = [];
  const bot: number[] = [];
  const botMessage: number[] = [];
  let previous: string | undefined;

  try {
    for (let i = 0; i < ROUNDS; i++) {
      const tag = i % 2 === 0 ? "v2" : "v1";

      // Raw Docker, done as well as a human with the CLI would.
      const t0 = performance.now();
      const digest = await registry.resolveDigest("web", tag);
      const ref = registry.reference("web", digest);
      await pullImage(docker, ref, auth);
      if (previous) await docker.getContainer(previous).stop({ t: 2 });
      const c = await docker.createContainer({
        name: `${rawName}-${i}`,
        Image: ref,
        HostConfig: { PortBindings: { "80/tcp": [{ HostPort: String(rawPort) }] } },
      });
      await c.start();
      while ((await c.inspect()).State.Health?.Status !== "healthy")
        await new Promise((r) => setTimeout(r, 50));
      if (previous) await docker.getContainer(previous).remove({ force: true });
      previous = c.id;
      raw.push(performance.now() - t0);

      // The same change through the bot.
      const before = h.slack.calls.length;
      const t1 = performance.now();
      await h.command("/deploy", `${project}:${tag} beta serverA`);
      const post = await h.slack.waitFor(
        () => h.slack.calls.slice(before).find((x) => x.method === "chat.postMessage"),
        10_000,
        "post",
      );
      const [record] = await store.history(project, "beta", 1);
      const id = record?.meta.id as string;
      while ((await store.getHost(id, "serverA"))?.state !== "succeeded") {
        const state = (await store.getHost(id, "serverA"))?.state;
        if (state === "failed")
          throw new Error(`bench deploy failed: ${(await store.getHost(id, "serverA"))?.error}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      bot.push(performance.now() - t1);
      const ts = String(post.args.__ts);
      await h.slack.waitFor(
        () => h.slack.messageText(ts)?.startsWith(":white_check_mark:"),
        10_000,
        "final message",
      );
      botMessage.push(performance.now() - t1);
    }
  } finally {
    if (previous)
      await docker
        .getContainer(previous)
        .remove({ force: true })
        .catch(() => {});
    redis.disconnect();
    await h.close();
  }

  const r = median(raw);
  const b = median(bot);
  const m = median(botMessage);
  const line = (name: string, ms: number) =>
    `${name.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / r).toFixed(2)}×`;
  process.stdout.write(
    [
      `deploy benchmark, serverA, ${ROUNDS} rounds (median; ratio to raw Docker in this run)`,
      line("raw docker (pull+run+healthy)", r),
      line("dockops (record succeeded)", b),
      line("dockops (channel message final)", m),
      "",
    ].join("\n"),
  );
  return {
    deploy: {
      rounds: ROUNDS,
      rawMs: r,
      recordMs: b,
      messageMs: m,
      recordRatio: b / r,
      messageRatio: m / r,
    },
  };
}
