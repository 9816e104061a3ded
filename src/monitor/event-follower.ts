import type Docker from "dockerode";
import type { Logger } from "pino";
import { LABEL } from "../docker/labels.js";
import { errorMessage } from "../errors.js";

/** The part of a Docker `/events` message the monitor reads. */
export type DockerEvent = {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano?: number;
};

/** When Docker saw the event, in ms (to the nanosecond field where the daemon sends it). */
export const eventTime = (event: DockerEvent): number =>
  event.timeNano ? Math.floor(event.timeNano / 1e6) : event.time * 1000;

export type FollowerOptions = {
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Whose events: containers with this label (default the bot's app containers). */
  label?: string;
};

/** Splits a stream of newline-delimited JSON into parsed objects; a partial line waits for the rest. */
export function lineSplitter(onLine: (value: unknown) => void): (chunk: Buffer | string) => void {
  let rest = "";
  return (chunk) => {
    rest += chunk.toString();
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      try {
        onLine(JSON.parse(line));
      } catch {
        // Not JSON: nothing the monitor can act on.
      }
    }
  };
}

/**
 * Follows one host's `/events` stream of managed containers (or of those with another label).
 * When the stream breaks it reconnects with exponential backoff, and calls `onConnect` after
 * every (re)connection so the monitor can reconcile whatever happened while it was not listening.
 */
export class EventFollower {
  private stopped = false;
  private abort?: AbortController;
  private wake?: () => void;

  constructor(
    private readonly host: string,
    private readonly docker: Docker,
    private readonly onEvent: (event: DockerEvent) => void,
    private readonly onConnect: () => Promise<void>,
    private readonly log: Logger,
    private readonly opts: FollowerOptions,
  ) {}

  start(): void {
    void this.loop();
  }

  /**
   * Drops the current connection (the host stopped answering pings), or cuts a backoff wait short
   * (it answers again); either way the loop connects again at once.
   */
  reconnect(): void {
    this.abort?.abort();
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    let backoff = this.opts.minBackoffMs;
    while (!this.stopped) {
      this.abort = new AbortController();
      try {
        const stream = (await this.docker.getEvents({
          filters: { type: ["container"], label: [this.opts.label ?? `${LABEL.managed}=true`] },
          abortSignal: this.abort.signal,
        } as Docker.GetEventsOptions)) as NodeJS.ReadableStream;
        backoff = this.opts.minBackoffMs;
        this.log.info({ host: this.host }, "following docker events");
        const ended = new Promise<void>((resolve) => {
          stream.on("end", () => resolve());
          stream.on("close", () => resolve());
          stream.on("error", () => resolve());
          this.abort?.signal.addEventListener("abort", () => resolve());
        });
        stream.on(
          "data",
          lineSplitter((v) => this.onEvent(v as DockerEvent)),
        );
        await this.onConnect().catch((err) =>
          this.log.warn({ host: this.host, err: errorMessage(err) }, "reconcile failed"),
        );
        await ended;
        (stream as unknown as { destroy?: () => void }).destroy?.();
        if (!this.stopped) this.log.warn({ host: this.host }, "docker events stream ended; reconnecting");
      } catch (err) {
        this.log.debug({ host: this.host, err: errorMessage(err), backoff }, "docker events unavailable");
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
    }
  }
}
