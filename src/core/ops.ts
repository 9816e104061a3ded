import type { Logger } from "pino";
import type { CommandContext } from "../../commands/context.js";
import { type Plan, planCommand } from "../../commands/index.js";
import type { Result } from "../../commands/result.js";
import type { Fleet } from "../fleet/schema.js";
import type { DeployService } from "./deploy-service.js";
import { ephemeral, type Reply } from "./message.js";

export type CommandRequest = { command: string; text: string; user: string; channel: string };

/**
 * The adapter-free core. Adapters call `plan` first (pure and fast, so they can answer Slack
 * within its 3 seconds), then `execute` for plans that do something.
 */
export class Ops {
  constructor(
    private readonly fleet: Fleet,
    private readonly deploys: DeployService,
    private readonly log: Logger,
  ) {}

  plan(req: CommandRequest): Result<Plan> {
    const ctx: CommandContext = { fleet: this.fleet, user: req.user, channel: req.channel };
    const result = planCommand(req.command, req.text, ctx);
    this.log.info(
      {
        command: req.command,
        user: req.user,
        channel: req.channel,
        ok: result.ok,
        kind: result.ok ? result.plan.kind : "usage",
      },
      "command",
    );
    return result;
  }

  /** Runs a plan; returns a reply for the requester alone, if there is one. */
  async execute(plan: Plan): Promise<Reply | undefined> {
    switch (plan.kind) {
      case "help":
        return ephemeral(plan.text);
      case "deploy":
        return this.deploys.start(plan);
    }
  }

  async handle(req: CommandRequest): Promise<Reply | undefined> {
    const result = this.plan(req);
    if (!result.ok) return ephemeral(result.message);
    return this.execute(result.plan);
  }
}
