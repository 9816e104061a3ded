import { createServer, request, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FrontDoor, openFrontDoor } from "../../src/slack/front-door.js";

let app: Server;
let door: FrontDoor;
const lost: string[] = [];
const answered: number[] = [];
const seen: { method?: string; url?: string; connection?: string; body: string }[] = [];

function post(port: number, body: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        port,
        method: "POST",
        path: "/slack/events",
        agent: false,
        headers: { "content-type": "text/plain" },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text, type: res.headers["x-app"] as string }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  app = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, connection: req.headers.connection, body });
      res.writeHead(201, { "x-app": "bolt" });
      res.end(`got ${body}`);
    });
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
  const address = app.address();
  if (!address || typeof address !== "object") throw new Error("no port");
  door = await openFrontDoor({
    port: 0,
    upstreamPort: address.port,
    onAnswered: (ms) => answered.push(ms),
    onLost: (reason) => lost.push(reason),
  });
});

afterAll(async () => {
  await door.close();
  await new Promise<void>((r) => app.close(() => r()));
});

describe("the front thread", () => {
  it("relays a request and its answer unchanged, over a kept-alive connection, and times it", async () => {
    const answer = await post(door.port, "payload=1");
    expect(answer).toEqual({ status: 201, body: "got payload=1", type: "bolt" });
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/slack/events", body: "payload=1" });
    // The client's `connection: close` is not passed on: the app keeps its connection.
    expect(seen.at(-1)?.connection).not.toBe("close");
    await new Promise((r) => setTimeout(r, 50));
    expect(answered.length).toBeGreaterThanOrEqual(1);
  });

  it("keeps serving after a client goes away in the middle of a request", async () => {
    const socket = connect(door.port, "127.0.0.1");
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial");
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(await post(door.port, "after")).toMatchObject({ status: 201, body: "got after" });
    expect(lost).toEqual([]);
  });
});
