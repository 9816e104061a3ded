/**
 * This attempt's lane lock now belongs to a later attempt of the same deploy (BullMQ gave the job
 * to another worker after this one stalled). That attempt owns the record and the host: this one
 * stops where it is, writes nothing and undoes nothing, so it cannot undo the other's work.
 */
export class TakenOverError extends Error {
  override readonly name = "TakenOverError";
  constructor(deployId: string, host: string) {
    super(`a later attempt of deploy ${deployId} took over ${host}; this attempt stops`);
  }
}
