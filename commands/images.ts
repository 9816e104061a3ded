import { type Asked, askedBy, type CommandContext } from "./context.js";
import { oneWord } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { badProject } from "./targets.js";

export type ImagesPlan = { kind: "images"; project: string; image: string; hosts: string[] } & Asked;

export const imagesHelp = {
  name: "images",
  usage: "/images <project>",
  description:
    "The project's tags in the registry, newest first, with digest, build time and where each one runs.",
  examples: ["/images a1"],
};

export function planImages(text: string, ctx: CommandContext): Result<ImagesPlan> {
  const word = oneWord(text, imagesHelp.usage, { none: "name a project", many: "name one project" });
  if (!word.ok) return word;
  const project = word.plan;
  const why = badProject(ctx.fleet, project);
  if (why) return usage(`${why}\nUsage: \`${imagesHelp.usage}\``);
  const spec = ctx.fleet.projects[project];
  // Every host of every environment may run the project.
  const hosts = [...new Set(Object.values(ctx.fleet.environments).flatMap((e) => e.hosts))];
  return planned({ kind: "images", project, image: spec?.image ?? "", hosts, ...askedBy(ctx) });
}
