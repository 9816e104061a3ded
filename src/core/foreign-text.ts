import { maskSecrets } from "../secrets/mask.js";

/**
 * Text the bot did not write — container output, exec output, Docker and registry errors, names
 * and reasons users typed — goes into chat only through these functions, so two rules hold
 * everywhere: secrets are masked first, on the raw text (any later change, such as a backtick
 * turned into a quote, would stop a secret from matching), and then `&`, `<` and `>` are escaped
 * as Slack's mrkdwn requires, so `<!channel>` or `<https://evil|re-auth>` in a log line shows as
 * text instead of pinging a channel or hiding a link. The shell adapter unescapes them again.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Foreign text for a message: masked, then escaped. */
export function foreignText(raw: string, secrets: readonly string[] = []): string {
  return escapeMrkdwn(maskSecrets(raw, secrets));
}

/** Foreign text as an inline code span, on one line: a backtick inside would end the span. */
export function foreignCode(raw: string, secrets: readonly string[] = []): string {
  return `\`${noBackticks(foreignText(raw, secrets)).replace(/[\r\n]+/g, " ")}\``;
}

/** Foreign lines as a code block; a backtick fence inside would end the block early. */
export function foreignBlock(lines: readonly string[], secrets: readonly string[] = []): string[] {
  return ["```", ...lines.map((line) => noBackticks(foreignText(line, secrets))), "```"];
}

function noBackticks(text: string): string {
  return text.replace(/`/g, "'");
}
