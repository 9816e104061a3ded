import type { BuildPlan } from "../../commands/build.js";
import { formatDuration } from "../fleet/duration.js";
import type { BuildProgress, BuildResult } from "../jobs/build-schemas.js";
import { shortDigest } from "../names.js";
import { foreignBlock, foreignText } from "./foreign-text.js";
import type { Message } from "./message.js";
import { megabytes } from "./table.js";

/** Where a build stands, as the bot last read its job. */
export type BuildState =
  | { state: "queued" }
  | { state: "running"; progress?: BuildProgress }
  | { state: "succeeded"; result: BuildResult }
  | { state: "failed"; reason: string };

/** The action id of the Deploy button: it runs `/deploy <value>` as the presser typed it. */
export const BUILD_DEPLOY_ACTION = "build-deploy";

function running(progress: BuildProgress | undefined): string {
  if (!progress) return "starting";
  const commit = progress.commit ? ` (commit \`${progress.commit.slice(0, 7)}\`)` : "";
  switch (progress.phase) {
    case "fetching":
      return "fetching the repository";
    case "building":
      return progress.step
        ? `step ${progress.step} of ${progress.steps ?? "?"}${commit}: ${foreignText(progress.instruction ?? "")}`
        : `sending the context to Docker${commit}`;
    case "pushing":
      return `pushing to the registry${commit}`;
  }
}

/** The build's channel message: progress while it runs; digest, size and a Deploy button after. */
export function renderBuild(plan: BuildPlan, jobId: string, s: BuildState): Message {
  const what = `*${plan.project}* at \`${plan.ref}\` on *${plan.builder}*`;
  const by = `requested by <@${plan.requestedBy}>`;
  switch (s.state) {
    case "queued":
      return { text: `:hourglass: Build of ${what} queued as \`${jobId}\`, ${by}`, progress: "running" };
    case "running":
      return {
        text: `:hammer_and_wrench: Building ${what}, ${by}: ${running(s.progress)}\n\`/job ${jobId}\` shows the build log`,
        progress: "running",
      };
    case "failed": {
      const [first = "", ...rest] = s.reason.split("\n");
      const tail = rest.map((l) => l.replace(/^> /, ""));
      return {
        text: [
          `:x: Build of ${what} failed, ${by}: ${foreignText(first)}`,
          ...(tail.length > 0 ? foreignBlock(tail) : []),
          `Full log: \`/job ${jobId}\``,
        ].join("\n"),
        progress: "failed",
      };
    }
    case "succeeded": {
      const r = s.result;
      const [tag = ""] = r.tags;
      const text = [
        `:white_check_mark: Built *${plan.project}:${tag}* from \`${plan.ref}\` (commit \`${r.commit.slice(0, 7)}\`) on *${plan.builder}* in ${formatDuration(r.durationMs)}, ${by}`,
        `Digest \`${shortDigest(r.digest)}\`, size ${megabytes(r.size)}; tags ${r.tags.map((t) => `\`${t}\``).join(", ")}`,
      ].join("\n");
      if (!plan.deployEnv) return { text, progress: "succeeded" };
      return {
        text,
        progress: "succeeded",
        buttons: [
          {
            action: BUILD_DEPLOY_ACTION,
            label: `Deploy to ${plan.deployEnv}`,
            value: `${plan.project}:${tag} ${plan.deployEnv}`,
            style: "primary",
          },
        ],
      };
    }
  }
}
