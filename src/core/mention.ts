/** Who did something, in chat: a Slack user as a mention, anything else (autoDeploy) by name. */
export function mention(user: string): string {
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : `*${user}*`;
}
