import { createServer, type Server, type Socket } from "node:net";

/**
 * A stand-in Redis Sentinel that names one master and lets a test choose the moment a
 * `+switch-master` announcement arrives: real sentinels announce it whenever their election
 * ends, so a race with a client's own lookup can only be shown on a machine with a script.
 */
export type ScriptedSentinel = {
  port: number;
  /** How many master lookups it has answered. */
  lookups: () => number;
  /** How many times a client subscribed to `+switch-master` (each connection's detector does). */
  subscriptions: () => number;
  /**
   * The next master lookup is answered only after `+switch-master` went out to every listener
   * and `holdMs` passed: the announcement lands while the client waits for its answer.
   */
  announceDuringNextLookup: (holdMs: number) => void;
  close: () => Promise<void>;
};

const CHANNEL = "+switch-master";

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const array = (items: string[]) => `*${items.length}\r\n${items.join("")}`;

/** Reads RESP arrays of bulk strings (all a client sends) off a socket's byte stream. */
function commandReader(onCommand: (args: string[]) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const parsed = parseCommand(buffered);
      if (!parsed) return;
      buffered = buffered.subarray(parsed.used);
      onCommand(parsed.args);
    }
  };
}

function parseCommand(buf: Buffer): { args: string[]; used: number } | undefined {
  let at = 0;
  const line = () => {
    const end = buf.indexOf("\r\n", at);
    if (end < 0) return undefined;
    const text = buf.subarray(at, end).toString();
    at = end + 2;
    return text;
  };
  const head = line();
  if (head === undefined) return undefined;
  const count = Number(head.slice(1));
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const size = line();
    if (size === undefined) return undefined;
    const len = Number(size.slice(1));
    if (buf.length < at + len + 2) return undefined;
    args.push(buf.subarray(at, at + len).toString());
    at += len + 2;
  }
  return { args, used: at };
}

export async function startScriptedSentinel(
  name: string,
  master: { port: number },
): Promise<ScriptedSentinel> {
  const subscribers = new Set<Socket>();
  let lookups = 0;
  let subscriptions = 0;
  let trap: number | undefined;
  const sockets = new Set<Socket>();

  const reply = async (socket: Socket, args: string[]): Promise<string> => {
    const [command = "", sub = ""] = args.map((a) => a.toLowerCase());
    if (command === "subscribe") {
      subscribers.add(socket);
      subscriptions++;
      return array([bulk("subscribe"), bulk(CHANNEL), ":1\r\n"]);
    }
    if (command === "sentinel" && sub === "get-master-addr-by-name" && args[2] === name) {
      lookups++;
      if (trap !== undefined) {
        const holdMs = trap;
        trap = undefined;
        const message = array([
          bulk("message"),
          bulk(CHANNEL),
          bulk(`${name} 127.0.0.1 ${master.port} 127.0.0.1 ${master.port}`),
        ]);
        for (const s of subscribers) s.write(message);
        await new Promise((r) => setTimeout(r, holdMs));
      }
      return array([bulk("127.0.0.1"), bulk(String(master.port))]);
    }
    if (command === "sentinel" && sub === "sentinels") return "*0\r\n";
    // CLIENT SETINFO and the like: nothing a test depends on.
    return "+OK\r\n";
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      subscribers.delete(socket);
    });
    // Answers go out in the order the commands came, as Redis does, even when one is held.
    let queue = Promise.resolve();
    socket.on(
      "data",
      commandReader((args) => {
        queue = queue.then(async () => {
          const text = await reply(socket, args);
          if (!socket.destroyed) socket.write(text);
        });
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    lookups: () => lookups,
    subscriptions: () => subscriptions,
    announceDuringNextLookup: (holdMs) => {
      trap = holdMs;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
