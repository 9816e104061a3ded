import { COMMANDS, opsHelp } from "../../commands/index.js";
import type { Message } from "../core/message.js";
import { type CommandSet, typedForm } from "./command-set.js";

const NAMES = [...COMMANDS.map((c) => c.name), opsHelp.name].sort((a, b) => b.length - a.length);

/**
 * A command mention in the bot's own wording: a code span ("`/status a1`") or a bold run that
 * starts with one (help titles, usage lines, hints such as "check `/alerts`"). Only a code span or bold run that starts with the
 * command matches, never a path in the middle of text or log output.
 */
const MENTION = new RegExp(`(^|[^\\w\`*/])([\`*])/(${NAMES.join("|")})(?=[\\s\`*]|$)`, "gm");

/**
 * The core words commands as `/status`; a team that installed `/ops` alone (or `/do-status`)
 * must read the form it can type, so the Slack adapter rewrites mentions on the way out.
 */
export function installedWording(set: CommandSet): (text: string) => string {
  return (text) =>
    text.replace(MENTION, (_m, before: string, mark: string, name: string) => {
      return `${before}${mark}${typedForm(set, name)}`;
    });
}

/** The same for a whole message (its buttons carry no wording). */
export function reworded(message: Message, word: (text: string) => string): Message {
  return { ...message, text: word(message.text) };
}
