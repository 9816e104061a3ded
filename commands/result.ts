/** A user mistake is a value, not an exception: the adapter shows `message` to the user only. */
export type Usage = { ok: false; message: string };
export type Planned<T> = { ok: true; plan: T };
export type Result<T> = Planned<T> | Usage;

export const usage = (message: string): Usage => ({ ok: false, message });
export const planned = <T>(plan: T): Planned<T> => ({ ok: true, plan });
