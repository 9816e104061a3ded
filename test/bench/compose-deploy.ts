import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { waitHealthy } from "./raw-deploy.js";

const run = promisify(execFile);

/** Debian's docker-compose 1.29 (test/fleet/up.sh installs it). */
const COMPOSE = "/usr/bin/docker-compose";

export type ComposeTarget = {
  /** What DOCKER_HOST is set to: any address docker-compose accepts (unix://, tcp:// without TLS). */
  dockerHost: string;
  /** The same daemon through dockerode, to see when the new container is healthy. */
  docker: Docker;
  registry: { url: string; username?: string; password?: string };
  project: string;
  port: number;
};

/**
 * The same change as a team using docker-compose makes it: a compose file naming the registry
 * image by tag and the port, the tag edited, `docker-compose up -d`. The fastest form compose
 * allows: no build, no dependencies, a 2 s stop timeout (the bot's and the raw deploy's), the
 * image pulled by `up` itself only when missing. Registry login is a private DOCKER_CONFIG with
 * the fleet's credentials, as `docker login` would leave it; the directory is removed after.
 */
export function composeDeployer(t: ComposeTarget) {
  const dir = mkdtempSync(join(tmpdir(), "bench-compose-"));
  const config = join(dir, "docker");
  mkdirSync(config, { mode: 0o700 });
  const auth = Buffer.from(`${t.registry.username ?? ""}:${t.registry.password ?? ""}`).toString("base64");
  writeFileSync(join(config, "config.json"), JSON.stringify({ auths: { [t.registry.url]: { auth } } }), {
    mode: 0o600,
  });
  const env = { PATH: process.env.PATH ?? "", DOCKER_HOST: t.dockerHost, DOCKER_CONFIG: config };
  const compose = (...args: string[]) => run(COMPOSE, ["-p", t.project, ...args], { cwd: dir, env });
  // Compose 1.29 names a service's first container <project>_<service>_1.
  const container = t.docker.getContainer(`${t.project}_web_1`);
  return {
    deploy: async (tag: string): Promise<void> => {
      writeFileSync(
        join(dir, "docker-compose.yml"),
        [
          'version: "2.4"',
          "services:",
          "  web:",
          `    image: ${t.registry.url}/web:${tag}`,
          `    ports: ["${t.port}:80"]`,
          "    stop_grace_period: 2s",
          "",
        ].join("\n"),
      );
      await compose("up", "-d", "--no-build", "--no-deps", "-t", "2");
      await waitHealthy(container);
    },
    remove: async (): Promise<void> => {
      await compose("down", "-t", "1").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
