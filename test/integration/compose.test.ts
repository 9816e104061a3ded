import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };

type Service = {
  command?: string[];
  user?: string;
  group_add?: string[];
  ports?: unknown[];
  volumes?: string[];
  environment?: Record<string, string>;
};

describe("docker-compose.yml", () => {
  it("is valid for docker-compose and runs redis (AOF on a volume), bot, worker and monitor", async () => {
    const { stdout } = await run("docker-compose", ["-f", "docker-compose.yml", "config"], {
      cwd: ROOT,
      env: { ...baseEnv, SLACK_BOT_TOKEN: "xoxb-test", DOCKER_GID: "4242" },
    });
    const config = parse(stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
    expect(Object.keys(config.services).sort()).toEqual(["bot", "monitor", "redis", "worker"]);
    const { redis, bot, worker, monitor } = config.services as Record<string, Service>;
    expect(redis?.command).toEqual(expect.arrayContaining(["--appendonly", "yes"]));
    expect(redis?.volumes).toContain("redis-data:/data:rw");
    expect(Object.keys(config.volumes)).toContain("redis-data");
    expect(bot?.command).toEqual(["bot"]);
    expect(bot?.environment?.SLACK_BOT_TOKEN).toBe("xoxb-test");
    // The bot reads the hosts through workers: no socket, no certificates.
    expect(bot?.volumes?.map((v) => v.slice(v.indexOf(":") + 1))).toEqual(["/etc/dockops/fleet.yml:ro"]);
    expect(bot?.ports).toEqual([{ published: 3000, target: 3000 }]);
    for (const docker of [worker, monitor]) {
      expect(docker?.user).toBeUndefined();
      expect(docker?.group_add).toEqual(["4242"]);
      expect(docker?.volumes?.some((v) => v.startsWith("/var/run/docker.sock:"))).toBe(true);
    }
    expect(worker?.command).toEqual(["worker"]);
    expect(monitor?.command).toEqual(["monitor"]);
  });

  it("refuses to start the worker without DOCKER_GID, saying how to find it", async () => {
    const failed = await run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], {
      cwd: ROOT,
      env: { ...baseEnv, SLACK_BOT_TOKEN: "xoxb-test" },
    }).then(
      () => "",
      (err: { stderr?: string }) => err.stderr ?? "failed",
    );
    expect(failed).toContain("set DOCKER_GID in .env to the group id of the Docker socket: stat -c %g");
  });

  it("refuses to start the bot without a Slack token, saying which", async () => {
    const failed = await run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], {
      cwd: ROOT,
      env: baseEnv,
    }).then(
      () => "",
      (err: { stderr?: string }) => err.stderr ?? "failed",
    );
    expect(failed).toContain("set SLACK_BOT_TOKEN in .env");
  });
});

describe("the Dockerfile's build", () => {
  // Inside node_modules so the compiled code resolves this worktree's packages as /app does.
  const out = join(ROOT, "node_modules", ".cache", uniqueName("dockops-build-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("copies every input of tsconfig.build.json", () => {
    const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
    const build = JSON.parse(readFileSync(join(ROOT, "tsconfig.build.json"), "utf8")) as {
      include: string[];
    };
    expect(dockerfile).toMatch(/COPY tsconfig\.json tsconfig\.build\.json \.\//);
    for (const dir of build.include) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
    expect(dockerfile).toContain("RUN npx tsc -p tsconfig.build.json");
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/src/main.js"]');
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it("compiles with tsc, and node runs the output", async () => {
    // `npm run typecheck` already checks the types; this is the build's emit, as in the image.
    await run(
      join(ROOT, "node_modules", ".bin", "tsc"),
      ["-p", "tsconfig.build.json", "--noCheck", "--outDir", out],
      {
        cwd: ROOT,
      },
    );
    const main = join(out, "src", "main.js");
    const help = await run("node", [main, "--help"], { env: baseEnv });
    expect(help.stdout).toContain("usage: dockops");
    // The same entry point runs a host's agent (docker run IMAGE agent --host NAME).
    const acl = await run("node", [main, "agent", "--print-acl", "serverA"], {
      env: { ...baseEnv, AGENT_REDIS_PASSWORD: "pw-from-env", CONFIG_ENCRYPTION_KEY: "11".repeat(32) },
    });
    expect(acl.stdout).toMatch(
      /^ACL SETUSER dockops-agent-serverA reset on >pw-from-env ~dockops:agent:serverA:\* /,
    );
    // No fleet file in an empty directory: the built-in fleet, and a dry run needs only Redis.
    const empty = mkdtempSync(join(tmpdir(), "dockops-empty-"));
    const dry = await run("node", [main, "--once", "/deploy a1 beta --dry-run"], {
      cwd: empty,
      env: {
        ...baseEnv,
        REDIS_URL: need(readFleetEnv(), "REDIS_URL"),
        PORT: "0",
        DOCKOPS_PREFIX: uniqueName("q"),
      },
    });
    // The dry run reads the host it would change; there is no Docker on this machine's default socket.
    expect(dry.stdout).toContain("Dry run — nothing was done. Would deploy a1:alpine to beta:");
    expect(dry.stdout).toContain("local: cannot read its containers");
    expect(dry.stderr).toContain("using the built-in fleet — host local (unix:///var/run/docker.sock)");
  });
});
