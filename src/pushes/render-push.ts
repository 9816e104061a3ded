import { foreignCode } from "../core/foreign-text.js";
import type { Button, Message } from "../core/message.js";
import { formatTime, megabytes } from "../core/table.js";
import { shortDigest } from "../names.js";
import type { PushNotice } from "./push-notices.js";

/** The Deploy button under a push: it runs `/deploy <value>` as if its presser typed it. */
export const PUSH_DEPLOY_ACTION = "push-deploy";
/** The Show changes button: the tags between the one running in the environment and the pushed one. */
export const PUSH_CHANGES_ACTION = "push-changes";

/** What the registry says about the pushed image, when it could be read. */
export type PushedImage = { size?: number; created?: number };

/** The channel message about a push: what, by whom, when; and what to do with it. */
export function renderPush(n: PushNotice, image: PushedImage): Message {
  const by = n.actor ? ` by ${foreignCode(n.actor)}` : "";
  const when = n.at !== undefined ? ` at ${formatTime(n.at, { seconds: true })}` : "";
  const facts = [
    `digest \`${shortDigest(n.digest)}\``,
    ...(image.size !== undefined ? [`size ${megabytes(image.size)}`] : []),
    ...(image.created !== undefined ? [`built ${formatTime(image.created)}`] : []),
  ];
  const lines = [`:package: *${n.project}:${n.tag}* pushed${by}${when}: ${facts.join(", ")}`];
  if (n.autoDeploy) {
    lines.push(
      `:rocket: Deploying it to *${n.autoDeploy.env}* automatically (\`autoDeploy\`: the tag matches ${foreignCode(n.autoDeploy.pattern)})`,
    );
  }
  const changesEnv = n.deployEnv ?? n.autoDeploy?.env;
  const buttons: Button[] = [
    ...(n.deployEnv
      ? [
          {
            action: PUSH_DEPLOY_ACTION,
            label: `Deploy to ${n.deployEnv}`,
            value: `${n.project}:${n.tag} ${n.deployEnv}`,
            style: "primary" as const,
          },
        ]
      : []),
    ...(changesEnv
      ? [{ action: PUSH_CHANGES_ACTION, label: "Show changes", value: `${n.project}:${n.tag} ${changesEnv}` }]
      : []),
  ];
  return buttons.length > 0 ? { text: lines.join("\n"), buttons } : { text: lines.join("\n") };
}
