import type { Logger } from "pino";
import type { ExecPlan } from "../../commands/exec.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import { type ExecResult, execResultSchema } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { foreignBlock, foreignCode, foreignText } from "./foreign-text.js";
import { ephemeral, type Reply } from "./message.js";

export type ExecServiceDeps = { queue: JobQueue; log: Logger; waitMs?: number; pollMs?: number };

/** Longer than the worker's own command timeout, plus time to wait for a free worker. */
const WAIT_MS = 120_000;

export function renderExec(plan: ExecPlan, r: ExecResult): string {
  const status = r.timedOut
    ? ":hourglass: timed out; the output so far"
    : r.exitCode === 0
      ? ":white_check_mark: exit 0"
      : `:x: exit ${r.exitCode ?? "?"}`;
  const cut = r.truncated ? "\n_(output cut at the size limit)_" : "";
  const output = r.output.trimEnd() || "(no output)";
  return `${foreignCode(plan.argv.join(" "))} in ${foreignCode(r.container)} on *${plan.host}* — ${status}\n${foreignBlock(output.split("\n")).join("\n")}${cut}`;
}

/** `/exec`: queue the command, wait for the worker's answer, show the output to the requester. */
export class ExecService {
  constructor(private readonly deps: ExecServiceDeps) {}

  async run(plan: ExecPlan): Promise<Reply> {
    const { queue, log } = this.deps;
    const execId = newDeployId();
    let jobId: string;
    try {
      jobId = await queue.enqueueExec({
        execId,
        project: plan.project,
        env: plan.env,
        host: plan.host,
        argv: plan.argv,
        requestedBy: plan.requestedBy,
      });
    } catch (err) {
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    log.info(
      {
        execId,
        project: plan.project,
        env: plan.env,
        host: plan.host,
        argv: plan.argv,
        user: plan.requestedBy,
      },
      "exec enqueued",
    );
    const deadline = Date.now() + (this.deps.waitMs ?? WAIT_MS);
    while (Date.now() < deadline) {
      const job = await queue.queue.getJob(jobId);
      const state = job ? await job.getState() : "unknown";
      if (job && state === "completed")
        return ephemeral(renderExec(plan, execResultSchema.parse(job.returnvalue)));
      if (job && state === "failed")
        return ephemeral(
          `:x: ${foreignCode(plan.argv.join(" "))} on *${plan.host}* failed: ${foreignText(job.failedReason)}`,
        );
      await new Promise((r) => setTimeout(r, this.deps.pollMs ?? 250));
    }
    return ephemeral(
      `:hourglass: No answer from a worker within ${Math.round((this.deps.waitMs ?? WAIT_MS) / 1000)}s; job \`${jobId}\` may still run.`,
    );
  }
}
