import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { projectNamed } from "./targets.js";
import { tokenize } from "./tokenize.js";

export type ImagesPlan = { kind: "images"; project: string; image: string; hosts: string[] };

export const imagesHelp = {
  name: "images",
  usage: "/images <project>",
  description:
    "The project's tags in the registry, newest first, with digest, build time and where each one runs.",
  examples: ["/images a1"],
};

export function planImages(text: string, ctx: CommandContext): Result<ImagesPlan> {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${imagesHelp.usage}\``);
  const [flag] = flags;
  if (flag !== undefined) return fail(`unknown option \`--${truncateWord(flag)}\``);
  if (words.length !== 1) return fail(words.length === 0 ? "name a project" : "name one project");
  const project = projectNamed(ctx.fleet, words[0] as string);
  if (!project.ok) return fail(project.message);
  const spec = ctx.fleet.projects[project.plan];
  // Every host of every environment may run the project.
  const hosts = [...new Set(Object.values(ctx.fleet.environments).flatMap((e) => e.hosts))];
  return planned({ kind: "images", project: project.plan, image: spec?.image ?? "", hosts });
}
