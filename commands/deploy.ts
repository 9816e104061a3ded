import { GIT_REF_PATTERN, type ProjectSpec } from "../src/fleet/schema.js";
import { TAG_PATTERN } from "../src/names.js";
import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import { planned, type Result } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badEnv, badHostChoice, badProject, chosenHosts, readWords, TARGET_WORDS } from "./targets.js";

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
  /** The config revision an approval request showed; the approved deploy runs exactly it. */
  configRevision?: number;
  /** Set when the environment has `approval`: the deploy waits for an approver. */
  approval?: ApprovalRule;
  /** For a project with `code`: the git ref whose files are mounted (`@<ref>`, else the fleet's). */
  ref?: string;
  /** The commit `ref` resolved to, once known; an approval request pins it like the digest. */
  commit?: string;
};

export const deployHelp = {
  name: "deploy",
  usage: "/deploy <project>[:<tag>][@<git ref>] <env> [<host>|all] [--dry-run]",
  description: "Pull the project's image from the registry and swap it in on the environment's hosts.",
  examples: ["/deploy a1 beta", "/deploy a1:v1.2 beta serverA", "/deploy a1 prod all --dry-run"],
};

export function planDeploy(text: string, ctx: CommandContext): Result<DeployPlan> {
  const read = readWords(text, deployHelp.usage, TARGET_WORDS);
  if ("ok" in read) return read;
  const { words, flags, fail } = read;
  const [target, envName, hostWord] = words as [string, string, string | undefined];

  const { projectName, tagText, refText } = splitTarget(target);
  const { fleet } = ctx;

  const projectWhy = badProject(fleet, projectName);
  if (projectWhy) return fail(projectWhy);
  if (tagText !== undefined && !TAG_PATTERN.test(tagText)) {
    return fail(`\`${truncateWord(tagText)}\` is not a valid image tag`);
  }
  const code = fleet.projects[projectName]?.code;
  if (refText !== undefined && !code) {
    return fail(
      `project \`${projectName}\` has no \`code\` section in the fleet file, so \`@${truncateWord(refText)}\` names no code to deploy`,
    );
  }
  if (refText !== undefined && !GIT_REF_PATTERN.test(refText)) {
    return fail(
      `\`${truncateWord(refText)}\` is not a git ref; name a branch, tag or commit such as \`main\``,
    );
  }
  const envWhy = badEnv(fleet, envName);
  if (envWhy) return fail(envWhy);
  const hostWhy = badHostChoice(fleet, envName, hostWord);
  if (hostWhy) return fail(hostWhy);
  const project = fleet.projects[projectName] as ProjectSpec;
  const hosts = chosenHosts(fleet, envName, hostWord);

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
    ...(code ? { ref: refText ?? code.ref } : {}),
  });
}

/** `<project>[:<tag>][@<git ref>]`: a tag has no `@`, so the first `@` starts the ref. */
function splitTarget(target: string): { projectName: string; tagText?: string; refText?: string } {
  const at = target.indexOf("@");
  const image = at === -1 ? target : target.slice(0, at);
  const refText = at === -1 ? undefined : target.slice(at + 1);
  const colon = image.indexOf(":");
  return {
    projectName: colon === -1 ? image : image.slice(0, colon),
    ...(colon === -1 ? {} : { tagText: image.slice(colon + 1) }),
    ...(refText === undefined ? {} : { refText }),
  };
}
