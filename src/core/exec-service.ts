import type { Logger } from "pino";
import type { ExecPlan } from "../../commands/exec.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import { type ExecResult, execResultSchema } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { waitForJob } from "../queue/wait-job.js";
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
    const waitMs = this.deps.waitMs ?? WAIT_MS;
    // One read gives state and result together: reading the job, then its state, could see it
    // finish in between and show a result that was not there yet.
    const outcome = await waitForJob(queue.queue, jobId, waitMs, this.deps.pollMs ?? 250);
    if (outcome.state === "failed")
      return ephemeral(
        `:x: ${foreignCode(plan.argv.join(" "))} on *${plan.host}* failed: ${foreignText(outcome.reason)}`,
      );
    if (outcome.state === "pending")
      return ephemeral(
        `:hourglass: No answer from a worker within ${Math.round(waitMs / 1000)}s; job \`${jobId}\` may still run.`,
      );
    const result = execResultSchema.safeParse(outcome.result);
    if (!result.success) {
      log.error({ jobId, issues: result.error.issues }, "exec result does not match the job contract");
      return ephemeral(
        `:x: The worker's answer to job \`${jobId}\` does not match this bot's version; are bot and worker the same release?`,
      );
    }
    return ephemeral(renderExec(plan, result.data));
  }
}
