/** The middle value (the upper one of an even count): robust to the odd slow round on a shared machine. */
export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
