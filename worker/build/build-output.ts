/** One event of Docker's build API stream (the classic builder: `{"stream": "Step 1/3 : …"}`). */
export type BuildEvent = {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
};

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
/** How many output lines of the current step a failure shows. */
export const TAIL_LINES = 12;

/**
 * Reads the build stream: which step runs ("step N of M" in chat), the output lines of that step
 * (a failure shows its last ones), and the error that ended the build. Pure, so it is tested on
 * recorded events.
 */
export class BuildOutput {
  step = 0;
  steps = 0;
  instruction = "";
  error: string | undefined;
  private tail: string[] = [];

  /** The lines this event adds to the build log; a new step resets the tail. */
  feed(event: BuildEvent): string[] {
    if (event.error !== undefined || event.errorDetail?.message !== undefined) {
      this.error = (event.errorDetail?.message ?? event.error ?? "").trim();
      return [this.error];
    }
    const lines = (event.stream ?? "").split("\n").filter((l) => l.trim() !== "");
    for (const line of lines) {
      const step = STEP.exec(line);
      if (step) {
        this.step = Number(step[1]);
        this.steps = Number(step[2]);
        this.instruction = (step[3] ?? "").slice(0, 300);
        this.tail = [];
      } else if (!line.startsWith(" ---> ") && !line.startsWith("Removing intermediate container")) {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    }
    return lines;
  }

  /** What a failed build says: the step, its instruction, the error and the step's last lines. */
  failure(): string {
    const where =
      this.step > 0 ? `step ${this.step} of ${this.steps} (${this.instruction}) failed` : "the build failed";
    const tail = this.tail.filter((l) => l.trim() !== this.error);
    return [`${where}: ${this.error ?? "no error given"}`, ...tail.map((l) => `> ${l}`)].join("\n");
  }
}
