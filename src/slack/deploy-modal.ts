import type { KnownBlock, PlainTextOption, View } from "@slack/types";
import type { Fleet } from "../fleet/schema.js";

export const DEPLOY_MODAL = "deploy_modal";

/** Tags of one project, newest first, or undefined when the registry failed. */
export type ProjectTags = Record<string, string[] | undefined>;

const MAX_OPTIONS = 100;

/** "latest" first, then the rest in descending natural order (v10 before v9 before v2). */
export function newestFirst(tags: readonly string[]): string[] {
  return [...tags].sort((a, b) => {
    if (a === "latest" || b === "latest") return a === "latest" ? -1 : b === "latest" ? 1 : 0;
    return b.localeCompare(a, "en", { numeric: true });
  });
}

const option = (text: string, value: string): PlainTextOption => ({
  text: { type: "plain_text", text: text.slice(0, 75) },
  value,
});

const select = (blockId: string, label: string, options: PlainTextOption[]): KnownBlock => ({
  type: "input",
  block_id: blockId,
  label: { type: "plain_text", text: label },
  element: { type: "static_select", action_id: "value", options, initial_option: options[0] },
});

/**
 * The `/deploy` modal: project, environment, host and tag. Tags come from the registry, grouped
 * by project (value "project:tag"); if the registry failed for any project the tag is free text.
 */
export function deployModal(fleet: Fleet, tags: ProjectTags, channel: string): View {
  const projects = Object.keys(fleet.projects);
  const hosts = Object.keys(fleet.hosts);
  const listed = projects.every((p) => (tags[p]?.length ?? 0) > 0);
  const perProject = Math.max(1, Math.floor(MAX_OPTIONS / Math.max(1, projects.length)));
  const tagBlock: KnownBlock = listed
    ? {
        type: "input",
        block_id: "tag",
        label: { type: "plain_text", text: "Tag (newest first)" },
        element: {
          type: "static_select",
          action_id: "value",
          option_groups: projects.map((p) => ({
            label: { type: "plain_text" as const, text: p.slice(0, 75) },
            options: (tags[p] ?? []).slice(0, perProject).map((t) => option(t, `${p}:${t}`)),
          })),
        },
      }
    : {
        type: "input",
        block_id: "tag",
        label: { type: "plain_text", text: "Tag" },
        hint: { type: "plain_text", text: "The registry could not be read; type the tag." },
        element: {
          type: "plain_text_input",
          action_id: "value",
          placeholder: { type: "plain_text", text: "latest" },
        },
      };
  return {
    type: "modal",
    callback_id: DEPLOY_MODAL,
    private_metadata: JSON.stringify({ channel }),
    title: { type: "plain_text", text: "Deploy" },
    submit: { type: "plain_text", text: "Deploy" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      select(
        "project",
        "Project",
        projects.map((p) => option(p, p)),
      ),
      select(
        "env",
        "Environment",
        Object.keys(fleet.environments).map((e) => option(e, e)),
      ),
      select("host", "Host", [
        option("all hosts of the environment", "all"),
        ...hosts.map((h) => option(h, h)),
      ]),
      tagBlock,
    ],
  };
}

type StateValues = Record<
  string,
  Record<string, { selected_option?: { value?: string } | null; value?: string | null }>
>;

/**
 * The submitted modal as the text of a typed `/deploy`, so it runs the same path; or an error
 * for one block when the picked tag belongs to another project.
 */
export function modalToCommand(
  values: StateValues,
): { ok: true; text: string } | { ok: false; block: string; message: string } {
  const pick = (block: string) => {
    const v = values[block]?.value;
    return (v?.selected_option?.value ?? v?.value ?? "").trim();
  };
  const project = pick("project");
  let tag = pick("tag");
  const colon = tag.indexOf(":");
  if (colon !== -1) {
    const tagProject = tag.slice(0, colon);
    if (tagProject !== project) {
      return {
        ok: false,
        block: "tag",
        message: `that tag is one of ${tagProject}'s; pick a tag under ${project}`,
      };
    }
    tag = tag.slice(colon + 1);
  }
  const target = tag ? `${project}:${tag}` : project;
  return { ok: true, text: `${target} ${pick("env")} ${pick("host") || "all"}` };
}
