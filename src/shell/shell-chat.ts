import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Button, Chat, Message, MessageRef, Progress } from "../core/message.js";
import { plainText } from "./plain-text.js";

export type Choice = { button: Button; message?: MessageRef };

type Tracked = { lines: string[]; progress?: Progress; failed: boolean };

/**
 * The core's Chat port on a terminal. A post prints the whole message; an update prints only
 * the lines that changed, so a deploy reads as a list of progress lines. Buttons become numbered
 * choices the user picks by typing the number.
 */
export class ShellChat implements Chat {
  private next = 0;
  private readonly messages = new Map<string, Tracked>();
  private readonly choices = new Map<number, Choice>();
  private nextChoice = 0;
  private waiters: Array<() => void> = [];

  constructor(private print: (text: string) => void) {}

  /** The session swaps in a printer that keeps the prompt tidy. */
  setPrinter(print: (text: string) => void): void {
    this.print = print;
  }

  async post(channel: string, message: Message): Promise<MessageRef> {
    const ts = String(++this.next);
    const lines = plainText(message.text).split("\n");
    this.messages.set(ts, { lines, progress: message.progress, failed: message.progress === "failed" });
    this.print(this.tag(ts, lines).join("\n"));
    this.showButtons(message.buttons, { channel, ts });
    this.wake();
    return { channel, ts };
  }

  async update(ref: MessageRef, message: Message): Promise<void> {
    const before = this.messages.get(ref.ts);
    const lines = plainText(message.text).split("\n");
    const changed = lines.filter((l) => !before?.lines.includes(l));
    // A tracked message that loses its progress mark was aborted (e.g. never enqueued).
    const aborted = before?.progress === "running" && message.progress === undefined;
    this.messages.set(ref.ts, {
      lines,
      progress: message.progress,
      failed: message.progress === "failed" || aborted,
    });
    if (changed.length > 0) this.print(this.tag(ref.ts, changed).join("\n"));
    this.showButtons(message.buttons, ref);
    this.wake();
  }

  /** A terminal has room for long output: print it whole between markers, where Slack attaches a file. */
  async upload(_channel: string, filename: string, content: string): Promise<void> {
    this.print([`--- ${filename} ---`, content.replace(/\n$/, ""), `--- end of ${filename} ---`].join("\n"));
  }

  /** A terminal shows no images: the chart goes to a file whose path is printed. */
  async uploadImage(_channel: string, filename: string, png: Uint8Array, title: string): Promise<string> {
    const dir = join(tmpdir(), "dockops-charts");
    await mkdir(dir, { recursive: true });
    const path = join(dir, filename);
    await writeFile(path, png);
    this.print(`${title}: ${path}`);
    return path;
  }

  /** Prints a reply meant for the user alone (an ephemeral in Slack). */
  reply(message: Message): void {
    this.print(plainText(message.text));
    this.showButtons(message.buttons, undefined);
  }

  choice(n: number): Choice | undefined {
    return this.choices.get(n);
  }

  /** True while any message tracks work still running. */
  get busy(): boolean {
    return [...this.messages.values()].some((m) => m.progress === "running");
  }

  /** Resolves once nothing is running; `failed` if any tracked message ended in failure. */
  async settled(): Promise<{ failed: boolean }> {
    while (this.busy) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return { failed: [...this.messages.values()].some((m) => m.failed) };
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private tag(ts: string, lines: string[]): string[] {
    return lines.map((l, i) => `${i === 0 ? `[${ts}]`.padEnd(5) : "     "} ${l}`);
  }

  private showButtons(buttons: Button[] | undefined, message: MessageRef | undefined): void {
    if (!buttons || buttons.length === 0) return;
    const shown = buttons.map((button) => {
      const n = ++this.nextChoice;
      this.choices.set(n, { button, message });
      return `[${n}] ${button.label}`;
    });
    this.print(`      choose: ${shown.join("   ")}  (type the number)`);
  }
}
