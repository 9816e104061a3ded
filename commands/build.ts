import { GIT_REF_PATTERN } from "../src/fleet/schema.js";
import { TAG_PATTERN } from "../src/names.js";
import { type Asked, askedBy, type CommandContext } from "./context.js";
import { parseOptions } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badProject } from "./targets.js";

/**
 * A build of a project's git repository at a ref, on its builder host. The repository, Dockerfile
 * and build arguments stay in the fleet file: the worker reads them there, so chat text never
 * chooses what is cloned.
 */
export type BuildPlan = Asked & {
  kind: "build";
  project: string;
  /** Registry repository the image is pushed to (the project's `image`). */
  image: string;
  ref: string;
  /** Set by `--tag`; else the worker tags `<ref>-<short sha>`. */
  tag?: string;
  builder: string;
  /** Where the finished build's Deploy button deploys: the fleet file's first environment. */
  deployEnv?: string;
};

export const buildHelp = {
  name: "build",
  usage: "/build <project> [<git ref>] [--tag <tag>]",
  description:
    "Build the project's image from its git repository at a ref (default: the fleet file's `build.ref`) on its builder host and push it to the registry, tagged `<tag>` (default `<ref>-<short sha>`) and `sha-<commit>`.",
  examples: ["/build a1", "/build a1 v1.4", "/build a1 main --tag v1.5"],
};

export function planBuild(text: string, ctx: CommandContext): Result<BuildPlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${buildHelp.usage}\``);
  const opts = parseOptions(text, { valued: ["tag"] });
  if (!opts.ok) return fail(opts.message);
  const { words, values } = opts.plan;
  const [project, refWord, ...extra] = words;
  if (project === undefined) return fail("name a project");
  if (extra.length > 0) return fail(`too many words: \`${truncateWord(extra.join(" "))}\``);
  const why = badProject(ctx.fleet, project);
  if (why) return fail(why);
  const spec = ctx.fleet.projects[project];
  if (!spec?.build) {
    return fail(`project \`${project}\` has no \`build\` section in the fleet file, so it cannot be built`);
  }
  const ref = refWord ?? spec.build.ref;
  if (!GIT_REF_PATTERN.test(ref)) {
    return fail(`\`${truncateWord(ref)}\` is not a git ref; name a branch, tag or commit such as \`main\``);
  }
  const tag = values.tag;
  if (tag !== undefined && (!TAG_PATTERN.test(tag) || tag.startsWith("sha-"))) {
    return fail(
      `\`${truncateWord(tag)}\` is not a tag for the image (letters, digits, _ . -; not \`sha-…\`)`,
    );
  }
  const deployEnv = Object.keys(ctx.fleet.environments)[0];
  return planned({
    kind: "build",
    project,
    image: spec.image,
    ref,
    ...(tag !== undefined ? { tag } : {}),
    builder: spec.build.builder,
    ...(deployEnv !== undefined ? { deployEnv } : {}),
    ...askedBy(ctx),
  });
}
