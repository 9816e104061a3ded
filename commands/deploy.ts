import { NAME_PATTERN, TAG_PATTERN } from "../src/names.js";
import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";
import { tokenize } from "./tokenize.js";

export type DeployPlan = {
  kind: "deploy";
  project: string;
  env: string;
  /** Registry repository of the project's image. */
  image: string;
  tag: string;
  hosts: string[];
  requestedBy: string;
  channel: string;
  dryRun: boolean;
  /** The exact image to run; an approval request pins the digest its tag resolved to. */
  digest?: string;
  /** Set when the environment has `approval`: the deploy waits for an approver. */
  approval?: ApprovalRule;
};

export const deployHelp = {
  name: "deploy",
  usage: "/deploy <project>[:<tag>] <env> [<host>|all] [--dry-run]",
  description: "Pull the project's image from the registry and swap it in on the environment's hosts.",
  examples: ["/deploy a1 beta", "/deploy a1:v1.2 beta serverA", "/deploy a1 prod all --dry-run"],
};

const KNOWN_FLAGS = new Set(["dry-run"]);

export function planDeploy(text: string, ctx: CommandContext): Result<DeployPlan> {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${deployHelp.usage}\``);
  for (const flag of flags) {
    if (!KNOWN_FLAGS.has(flag)) return fail(`unknown option \`--${truncateWord(flag)}\``);
  }
  if (words.length < 2) return fail("name a project and an environment");
  if (words.length > 3) return fail(`too many words: \`${truncateWord(words.slice(3).join(" "))}\``);
  const [target, envName, hostWord] = words as [string, string, string | undefined];

  const colon = target.indexOf(":");
  const projectName = colon === -1 ? target : target.slice(0, colon);
  const tagText = colon === -1 ? undefined : target.slice(colon + 1);
  const { fleet } = ctx;

  const project = NAME_PATTERN.test(projectName) ? fleet.projects[projectName] : undefined;
  if (!project) return fail(unknownName("project", projectName, Object.keys(fleet.projects)));
  if (tagText !== undefined && !TAG_PATTERN.test(tagText)) {
    return fail(`\`${truncateWord(tagText)}\` is not a valid image tag`);
  }
  const env = NAME_PATTERN.test(envName) ? fleet.environments[envName] : undefined;
  if (!env) return fail(unknownName("environment", envName, Object.keys(fleet.environments)));

  let hosts = env.hosts;
  if (hostWord !== undefined && hostWord !== "all") {
    if (!NAME_PATTERN.test(hostWord) || !env.hosts.includes(hostWord)) {
      const inFleet = NAME_PATTERN.test(hostWord) && hostWord in fleet.hosts;
      return fail(
        inFleet
          ? `host \`${hostWord}\` is not in environment \`${envName}\` (its hosts: ${env.hosts.join(", ")})`
          : unknownName("host", hostWord, env.hosts),
      );
    }
    hosts = [hostWord];
  }

  const approval = approvalFor(fleet, envName);
  return planned({
    kind: "deploy",
    project: projectName,
    env: envName,
    image: project.image,
    tag: tagText ?? project.tag,
    hosts: [...hosts],
    requestedBy: ctx.user,
    channel: ctx.channel,
    dryRun: flags.has("dry-run"),
    ...(approval ? { approval } : {}),
  });
}
