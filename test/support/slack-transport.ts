import { sendSigned } from "./signed-request.js";
import type { SlackStandIn } from "./slack-standin.js";
import type { DeliveryFault, EnvelopeType } from "./socket-mode-link.js";

/** How Slack reaches the bot: signed HTTP requests, or envelopes over a Socket Mode connection. */
export type Transport = "http" | "socket";
export const TRANSPORTS: readonly Transport[] = ["http", "socket"];

/** The ack as the harness reports it: status 200 and the response body (`""` for a bare ack). */
export type Delivered = { status: number; text: string };

/** Sends what Slack sends; the same three kinds of payload whichever the transport. */
export type SlackDoor = {
  command: (fields: Record<string, string>, fault?: DeliveryFault) => Promise<Delivered>;
  interactive: (payload: Record<string, unknown>, fault?: DeliveryFault) => Promise<Delivered>;
  event: (body: Record<string, unknown>, fault?: DeliveryFault) => Promise<Delivered>;
};

export function httpDoor(base: string, secret: string): SlackDoor {
  const post = async (body: string, contentType?: string) => {
    const res = await sendSigned(base, body, { secret, contentType });
    return { status: res.status, text: await res.text() };
  };
  const noFaults = (fault?: DeliveryFault) => {
    if (fault) throw new Error(`the HTTP transport cannot inject "${fault}"`);
  };
  return {
    command: (fields, fault) => {
      noFaults(fault);
      return post(new URLSearchParams(fields).toString());
    },
    interactive: (payload, fault) => {
      noFaults(fault);
      return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    },
    event: (body, fault) => {
      noFaults(fault);
      return post(JSON.stringify(body), "application/json");
    },
  };
}

/** Slack waits 3 s for an ack; a reconnect (5 s back-off in the client) may come first. */
const ACK_WAIT_MS = 30_000;

export function socketDoor(slack: SlackStandIn): SlackDoor {
  const send = async (type: EnvelopeType, payload: Record<string, unknown>, fault?: DeliveryFault) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no ack of a ${type} envelope within ${ACK_WAIT_MS}ms`)),
        ACK_WAIT_MS,
      );
    });
    try {
      const ack = await Promise.race([slack.socketMode.deliver(type, payload, fault), late]);
      return { status: 200, text: Object.keys(ack).length > 0 ? JSON.stringify(ack) : "" };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    command: (fields, fault) => send("slash_commands", fields, fault),
    interactive: (payload, fault) => send("interactive", payload, fault),
    event: (body, fault) => send("events_api", body, fault),
  };
}
