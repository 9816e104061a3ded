/** Small helpers the read, alert and cost benchmarks share. */
export const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(8);

export const ratio = (x: number, base: number) => Math.round((x / base) * 100) / 100;
