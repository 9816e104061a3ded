import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { registerSecret } from "../support/secret-scan.js";

/** POST /registry/events is a custom route of the bot: served in Socket Mode too, and off without a token. */
const TOKEN = randomBytes(24).toString("hex");
registerSecret(TOKEN);
const project = uniqueName("rew");
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function localPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function notify(port: number, authorization: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/registry/events`, {
    method: "POST",
    headers: { authorization, "content-type": "application/vnd.docker.distribution.events.v1+json" },
    body: JSON.stringify({
      events: [
        {
          id: "e1",
          timestamp: new Date().toISOString(),
          action: "push",
          target: {
            mediaType: "application/vnd.docker.distribution.manifest.v2+json",
            digest: `sha256:${"d".repeat(64)}`,
            repository: `${project}/nobody-uses-this`,
            tag: "v1",
          },
        },
      ],
    }),
  });
  return { status: res.status, body: await res.json() };
}

describe("POST /registry/events beside /healthz", () => {
  it("is served in Socket Mode, where Slack reaches the bot over its socket", async () => {
    const port = await localPort();
    h = await startHarness(
      { [project]: { image: `${project}/web` } },
      { transport: "socket", env: { DOCKOPS_REGISTRY_EVENTS_TOKEN: TOKEN, PORT: String(port) } },
    );
    expect(await notify(port, "Bearer not-the-token")).toEqual({
      status: 401,
      body: { ok: false, error: "missing or wrong bearer token" },
    });
    expect(await notify(port, `Bearer ${TOKEN}`)).toEqual({
      status: 200,
      body: { ok: true, pushes: 1, announced: 0 },
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it("answers 404 with what to set when the bot has no token", async () => {
    h = await startHarness({ [project]: { image: `${project}/web` } });
    expect(await notify(h.port, `Bearer ${TOKEN}`)).toEqual({
      status: 404,
      body: {
        ok: false,
        error: "registry notifications are off on this bot; set DOCKOPS_REGISTRY_EVENTS_TOKEN",
      },
    });
  });
});
