import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FleetInput } from "../../src/fleet/schema.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { FIVE_MISTAKE_PATHS, FIVE_MISTAKES } from "../support/fleet-files.js";
import { testFleetInput } from "../support/harness.js";

const fe = readFleetEnv();
const dir = mkdtempSync(join(tmpdir(), "dockops-check-"));

/** Runs `npm run check -- ARGS` as CI would: its exit code and output. */
function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/check.ts", ...args],
      { env: { ...process.env, REDIS_URL: need(fe, "REDIS_URL") }, timeout: 90_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function write(name: string, input: FleetInput | string): string {
  const file = join(dir, name);
  writeFileSync(file, typeof input === "string" ? input : JSON.stringify(input, null, 2));
  return file;
}

/** A local port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("npm run check", () => {
  it("passes the example file", async () => {
    const run = await check(["fleet.example.yml"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("fleet.example.yml: valid (3 hosts, 2 environments, 2 projects)");
    expect(run.stdout).toContain(`warning: \${REGISTRY_USERNAME} is not set here`);
  });

  it("reports all five planted mistakes with their paths and exits 1", async () => {
    const file = write("five.yml", FIVE_MISTAKES);
    const run = await check([file]);
    expect(run.code).toBe(1);
    for (const path of FIVE_MISTAKE_PATHS) expect(run.stdout).toContain(`${file}: ${path}: `);
    expect(run.stdout).toContain(`${file}: 5 problems`);
  });

  it("exits 2 when not understood", async () => {
    expect((await check([])).code).toBe(2);
    expect((await check([join(dir, "missing.yml")])).code).toBe(2);
    expect((await check(["--conect", "fleet.example.yml"])).code).toBe(2);
  });

  it("--connect reaches the test fleet, and names a host that is down", async () => {
    const good = testFleetInput(fe, { web: { image: "web", tag: "v1" } });
    const ok = await check(["--connect", write("good.yml", good)]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/host serverA\s+ok\s+Docker \S+, unix socket/);
    expect(ok.stdout).toMatch(/host serverB\s+warn\s+Docker \S+, plain TCP/);
    expect(ok.stdout).toMatch(/host serverC\s+ok\s+Docker \S+, TLS/);
    expect(ok.stdout).toMatch(
      /registry \S+\s+warn\s+plain HTTP, as ops\s+the password crosses the network in clear/,
    );
    expect(ok.stdout).toMatch(/project web\s+ok\s+web:v1 → sha256:/);
    expect(ok.stdout).toMatch(/redis\s+ok/);
    expect(ok.stdout).toContain("all reachable");

    const port = await closedPort();
    const broken: FleetInput = {
      ...good,
      hosts: { ...good.hosts, gone: { docker: `tcp://127.0.0.1:${port}`, timeout: "3s" } },
      projects: { web: { image: "web", tag: "nosuchtag" }, ghost: { image: "nope/none" } },
    };
    const bad = await check(["--connect", write("bad.yml", broken)]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      new RegExp(
        `host gone\\s+FAIL\\s+tcp://127.0.0.1:${port} unreachable \\(connect ECONNREFUSED.*check that dockerd runs there`,
      ),
    );
    expect(bad.stdout).toMatch(
      /project web\s+FAIL\s+web:nosuchtag is not in the registry.*set projects\.web\.tag/,
    );
    expect(bad.stdout).toMatch(/project ghost\s+FAIL\s+repository nope\/none does not exist/);
    expect(bad.stdout).toContain("3 checks failed");
    expect(bad.stdout + ok.stdout).not.toContain(need(fe, "REGISTRY_PASSWORD"));

    const wrongPassword = await check([
      "--connect",
      write("pw.yml", { ...good, registry: { ...good.registry, password: "wrong-password" } }),
    ]);
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stdout).toMatch(
      /registry \S+\s+FAIL.*refused the credentials.*check registry\.username/,
    );
  });
});
