import type { LogsPlan } from "../../commands/logs.js";
import type { HostLogs, LogsQuery } from "../docker/project-logs.js";
import { maskSecrets } from "../secrets/mask.js";
import { foreignBlock, foreignText } from "./foreign-text.js";
import { type Chat, ephemeral, type Reply } from "./message.js";
import { plural } from "./table.js";

/**
 * Secret values of a project's config in an environment, to mask in anything shown: the recent
 * revisions' and those of `inUse`, the revisions the containers shown run with.
 */
export type SecretsFor = (
  project: string,
  env: string,
  inUse?: readonly number[],
) => Promise<string[]> | string[];

export type LogsReader = (host: string, query: LogsQuery) => Promise<HostLogs>;

/** Past either limit the logs go up as a file: a code block that long is unreadable in chat. */
export const INLINE_MAX_CHARS = 2_500;
export const INLINE_MAX_LINES = 40;

/** Plain text (the uploaded file); `show` turns the Docker-given parts into mrkdwn-safe text. */
function heading(logs: HostLogs, show: (text: string) => string = (t) => t): string {
  if (!logs.ok) return `${logs.host}: ${show(logs.reason)}`;
  if (!logs.container) return `${logs.host}: no container of this project`;
  return `${logs.host} · ${show(logs.container.name)} (${show(logs.container.state)}) · ${plural(logs.lines.length, "line")}`;
}

/** Masked lines per host; `inline` when it all fits one readable message. */
export function renderLogs(
  plan: LogsPlan,
  results: readonly HostLogs[],
  secrets: readonly string[],
): { inline: boolean; text: string; file: string } {
  // Masked on the raw lines, before anything else touches them; the file keeps them as they are.
  const masked = results.map((r) =>
    r.ok ? { ...r, lines: r.lines.map((l) => maskSecrets(l, secrets)) } : r,
  );
  const lineCount = masked.reduce((n, r) => n + (r.ok ? r.lines.length : 0), 0);
  const file = masked
    .map((r) => [`== ${heading(r)}`, ...(r.ok ? r.lines : [])].join("\n"))
    .join("\n\n")
    .concat("\n");
  const sections = masked.map((r) => {
    const lines = r.ok ? r.lines : [];
    const body =
      lines.length > 0 ? foreignBlock(lines).join("\n") : r.ok && r.container ? "_(no output)_" : "";
    return [`*${heading(r, foreignText)}*`, body].filter(Boolean).join("\n");
  });
  const text = [`*Logs of ${plan.project} in ${plan.env}*`, ...sections].join("\n");
  return { inline: text.length <= INLINE_MAX_CHARS && lineCount <= INLINE_MAX_LINES, text, file };
}

export type LogsDeps = { read: LogsReader; chat: Chat; secretsFor: SecretsFor; timeoutMs: number };

export class LogsService {
  constructor(private readonly deps: LogsDeps) {}

  async logs(plan: LogsPlan): Promise<Reply> {
    const { read, chat, secretsFor, timeoutMs } = this.deps;
    const query = { project: plan.project, env: plan.env, tail: plan.tail, sinceMs: plan.sinceMs, timeoutMs };
    const results = await Promise.all(plan.hosts.map((host) => read(host, query)));
    const inUse = results.flatMap((r) =>
      r.ok && r.container?.configRevision !== undefined ? [r.container.configRevision] : [],
    );
    const secrets = await secretsFor(plan.project, plan.env, inUse);
    const out = renderLogs(plan, results, secrets);
    if (out.inline) return ephemeral(out.text);
    const filename = `${plan.project}-${plan.env}-logs.txt`;
    await chat.upload(plan.channel, filename, out.file);
    const summary = results.map((r) => heading(r, foreignText)).join("; ");
    return ephemeral(
      `:page_facing_up: Logs of *${plan.project}* in *${plan.env}* uploaded to this channel as \`${filename}\` (${summary}).`,
    );
  }
}
