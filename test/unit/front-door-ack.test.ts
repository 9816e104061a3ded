import { createServer, request, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FrontDoor, openFrontDoor } from "../../src/slack/front-door.js";
import { slackSignature, slashCommandBody } from "../support/signed-request.js";

const SECRET = "front-door-test-secret";
let app: Server;
let hooks: Server;
let door: FrontDoor;
let hooksUrl = "";
/** What the app answers to each request, and after how long. */
let appAnswer = { status: 200, body: "", delayMs: 0 };
const appSaw: string[] = [];
/** Bodies the app has answered. */
const appAnswered: string[] = [];
const posted: Array<{ path: string; body: string }> = [];

function send(body: string, sign: "right" | "wrong"): Promise<{ status: number; body: string }> {
  const ts = Math.floor(Date.now() / 1000);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        port: door.port,
        method: "POST",
        path: "/slack/events",
        agent: false,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": String(ts),
          "x-slack-signature": slackSignature(sign === "right" ? SECRET : "another", ts, body),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const command = (text: string, id: string) =>
  slashCommandBody({ command: "/deploy", text, user: "U1", channel: "C1", responseUrl: `${hooksUrl}/${id}` });

async function until<T>(what: string, get: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  const listen = async (server: Server) => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const address = server.address();
    if (!address || typeof address !== "object") throw new Error("no port");
    return address.port;
  };
  app = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      appSaw.push(body);
      setTimeout(() => {
        appAnswered.push(body);
        res.writeHead(appAnswer.status, { "content-type": "application/json" });
        res.end(appAnswer.body);
      }, appAnswer.delayMs);
    });
  });
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      posted.push({ path: req.url ?? "", body });
      res.end("ok");
    });
  });
  const appPort = await listen(app);
  hooksUrl = `http://127.0.0.1:${await listen(hooks)}`;
  door = await openFrontDoor({ port: 0, upstreamPort: appPort, signingSecret: SECRET, onLost: () => {} });
});

afterAll(async () => {
  await door.close();
  await new Promise<void>((r) => app.close(() => r()));
  await new Promise<void>((r) => hooks.close(() => r()));
});

describe("the front thread and slash commands", () => {
  it("acknowledges a signed command before the app has answered, and the app still gets it", async () => {
    appAnswer = { status: 200, body: "", delayMs: 1_500 };
    const body = command("a1 beta", "slow");
    const ack = await send(body, "right");
    expect(ack).toMatchObject({ status: 200, body: "" });
    // The ack came while the app still held the command.
    expect(appAnswered).not.toContain(body);
    await until("the app to get the command", () => (appSaw.includes(body) ? true : undefined));
    // An empty answer of the app has nothing to say: nothing is posted.
    await new Promise((r) => setTimeout(r, 1_700));
    expect(posted.filter((p) => p.path === "/slow")).toEqual([]);
  });

  it("posts what the app answers at once (a usage message) to the command's response_url", async () => {
    const usage = { response_type: "ephemeral", text: "no project `nosuch`. Usage: `/deploy ...`" };
    appAnswer = { status: 200, body: JSON.stringify(usage), delayMs: 0 };
    expect(await send(command("nosuch beta", "usage"), "right")).toMatchObject({ status: 200, body: "" });
    const post = await until("the usage at the response_url", () => posted.find((p) => p.path === "/usage"));
    expect(JSON.parse(post.body)).toEqual(usage);
  });

  it("says the command was not taken when the app refuses it after the ack", async () => {
    appAnswer = { status: 500, body: "", delayMs: 0 };
    await send(command("a1 beta", "refused"), "right");
    const post = await until("the refusal", () => posted.find((p) => p.path === "/refused"));
    expect(JSON.parse(post.body)).toEqual({
      response_type: "ephemeral",
      text: ":x: dockops could not take /deploy (it answered 500); try again",
    });
  });

  it("leaves a wrongly signed request to the app, whose own answer (401) is what the client gets", async () => {
    appAnswer = { status: 401, body: "", delayMs: 0 };
    const forged = await send(command("a1 beta", "forged"), "wrong");
    expect(forged.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(posted.filter((p) => p.path === "/forged")).toEqual([]);
  });
});
