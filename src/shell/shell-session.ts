import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Ops } from "../core/ops.js";
import { errorMessage } from "../errors.js";
import type { ShellChat } from "./shell-chat.js";

export type ShellOptions = {
  ops: Ops;
  chat: ShellChat;
  /** Who the shell user is (a Slack-style user ID), for requestedBy and approvals. */
  user: string;
  channel: string;
  output: Writable;
};

/** Exit codes of `--once`: 0 done, 1 the work failed, 2 the command was not understood. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * The shell adapter: the same commands as Slack, typed at a prompt. `/deploy a1 beta`,
 * `deploy a1 beta` (read as `/ops deploy ...`), `help`, a number to press a button, `exit`.
 */
export class ShellSession {
  private rl?: Interface;

  constructor(private readonly opts: ShellOptions) {
    opts.chat.setPrinter((text) => this.print(text));
  }

  /** Runs one line; resolves to an exit code for `--once`. */
  async run(line: string): Promise<number> {
    const text = line.trim();
    if (text === "") return EXIT.ok;
    const { ops, chat, user, channel } = this.opts;
    try {
      if (/^\d+$/.test(text)) {
        const choice = chat.choice(Number(text));
        if (!choice) {
          this.print(`no choice ${text}; the numbers are shown next to the buttons`);
          return EXIT.usage;
        }
        const reply = await ops.act({
          action: choice.button.action,
          value: choice.button.value,
          user,
          message: choice.message,
        });
        if (reply) chat.reply(reply.message);
        return EXIT.ok;
      }
      const { command, rest } = splitCommand(text);
      const result = ops.plan({ command, text: rest, user, channel });
      if (!result.ok) {
        chat.reply({ text: result.message });
        return EXIT.usage;
      }
      const reply = await ops.execute(result.plan);
      if (reply) chat.reply(reply.message);
      return EXIT.ok;
    } catch (err) {
      this.print(`❌ ${errorMessage(err)}`);
      return EXIT.failed;
    }
  }

  /** `--once`: run the command, wait for the work it started, return the exit code. */
  async once(line: string): Promise<number> {
    const code = await this.run(line);
    if (code !== EXIT.ok) return code;
    const { failed } = await this.opts.chat.settled();
    return failed ? EXIT.failed : EXIT.ok;
  }

  /** Reads lines until `exit` or end of input, then waits for running work; resolves when done. */
  async interactive(input: Readable, banner: string): Promise<void> {
    const tty = Boolean((input as { isTTY?: boolean }).isTTY);
    const rl = createInterface({ input, output: this.opts.output, terminal: tty, prompt: "dockops> " });
    this.rl = tty ? rl : undefined;
    this.print(banner);
    if (tty) rl.prompt();
    let chain = Promise.resolve();
    await new Promise<void>((resolve) => {
      rl.on("line", (line) => {
        if (/^(exit|quit)$/i.test(line.trim())) return rl.close();
        chain = chain.then(async () => {
          await this.run(line);
          if (tty) rl.prompt();
        });
      });
      rl.on("close", () => resolve());
    });
    await chain;
    this.rl = undefined;
    if (this.opts.chat.busy) {
      this.print("waiting for running deploys to finish…");
      await this.opts.chat.settled();
    }
  }

  private print(text: string): void {
    const out = this.opts.output;
    if (this.rl) {
      // Keep the prompt (and what the user is typing) below the output.
      out.write("\r\x1b[K");
      out.write(`${text}\n`);
      this.rl.prompt(true);
    } else {
      out.write(`${text}\n`);
    }
  }
}

/** "/deploy a1 beta" → deploy + "a1 beta"; "deploy a1 beta" and "help" → ops + the line. */
export function splitCommand(text: string): { command: string; rest: string } {
  if (text.startsWith("/")) {
    const match = /^\/(\S*)\s*([\s\S]*)$/.exec(text);
    return { command: match?.[1] ?? "", rest: match?.[2] ?? "" };
  }
  return { command: "ops", rest: text };
}
