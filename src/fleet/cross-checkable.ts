const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * Whether the fleet's cross-references (an environment's hosts, the roles `allow` names) can be
 * checked although other parts of the file are wrong: then one run reports every mistake, as
 * `npm run check` promises, instead of the cross-references only after everything else is fixed.
 * True when the sections those checks read have the shape they expect.
 */
export function crossCheckable(value: unknown): boolean {
  if (!isObject(value) || !isObject(value.registry) || !isObject(value.hosts)) return false;
  if (!isObject(value.environments)) return false;
  if (value.roles !== undefined && !isObject(value.roles)) return false;
  return Object.values(value.environments).every(
    (env) =>
      isObject(env) &&
      isStrings(env.hosts) &&
      (env.allow === undefined || (isObject(env.allow) && Object.values(env.allow).every(isStrings))),
  );
}

/** For the fleet schema's `superRefine`: run the cross-references whenever they can be checked. */
export const CROSS_CHECK_DESPITE_OTHER_ISSUES = {
  when: (payload: { value: unknown }) => crossCheckable(payload.value),
};
