import { z } from "zod";
import { ENV_KEY_PATTERN, NAME_PATTERN, REPOSITORY_PATTERN, TAG_PATTERN } from "../names.js";
import { DEFAULT_SECRET_PATTERNS, SECRET_PATTERN_SYNTAX } from "../secrets/patterns.js";
import { ALLOW_KEYS } from "./allow-keys.js";
import { parseDuration } from "./duration.js";
import { proxyIssues, proxySchemas } from "./proxy-schema.js";

/**
 * Fleet records are looked up by words users type: with no prototype, `constructor` or
 * `toString` are not "defined" projects, environments or hosts.
 */
function ownKeysOnly<T>(record: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record);
}

const name = (what: string) =>
  z.string().regex(NAME_PATTERN, `${what} names start with a letter and use only letters, digits, - and _`);

/** "60s", "5m", or a number of seconds; stored as milliseconds. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a duration; write e.g. 30s, 5m or 1h` });
    return z.NEVER;
  }
  return ms;
});

/** Scalars in YAML (numbers, booleans) become the strings a container environment needs. */
const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const tls = z.strictObject({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) });

const host = z.strictObject({
  docker: z
    .string()
    .regex(
      /^(unix:\/\/\/.+|tcp:\/\/[^\s/]+:\d{1,5})$/,
      "write unix:///path/to/docker.sock or tcp://ADDRESS:PORT",
    ),
  tls: tls.optional(),
  timeout: duration.default(30_000),
});

const approval = z.strictObject({
  approvers: z.array(z.string().min(1)).min(1, "list at least one approver (Slack user or user-group ID)"),
  allowSelfApproval: z.boolean().default(false),
  expires: duration.default(30 * 60_000),
});

const environment = z.strictObject({
  channel: z.string().min(1).optional(),
  hosts: z.array(z.string()).min(1, "an environment needs at least one host"),
  approval: approval.optional(),
  /** Command (plan kind) → roles allowed to run it here; commands not listed stay open. */
  allow: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, "name a command, e.g. deploy"), z.array(z.string()))
    .optional(),
  /** Slack channel IDs this environment's commands may come from; unset = any channel. */
  channels: z
    .array(z.string().min(1))
    .min(1, "list at least one channel ID, or leave channels out")
    .optional(),
});

const port = z
  .string()
  .regex(
    /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/,
    'write "HOSTPORT:CONTAINERPORT", e.g. "8080:80", optionally "IP:8080:80" or "8080:80/udp"',
  );

const health = z.strictObject({
  cmd: z.string().min(1).optional(),
  timeout: duration.default(60_000),
  interval: duration.default(2_000),
  retries: z.number().int().min(1).max(100).default(3),
});

const restart = z
  .string()
  .regex(
    /^(no|always|unless-stopped|on-failure(:\d+)?)$/,
    "use no, always, unless-stopped or on-failure[:N]",
  );

const proxy = proxySchemas(duration);
/** The top-level `proxy:` with its defaults filled in, whether the fleet file has one or not. */
export const proxySettings = (fleet: { proxy?: ProxySettings }): ProxySettings =>
  fleet.proxy ?? proxy.fleet.parse({});

const project = z.strictObject({
  proxy: proxy.project.optional(),
  image: z.string().regex(REPOSITORY_PATTERN, "an image is a repository path in the registry, e.g. team/a1"),
  tag: z.string().regex(TAG_PATTERN, "not a valid Docker tag").default("latest"),
  ports: z.array(port).default([]),
  health: health.optional(),
  env: z
    .record(z.string().regex(ENV_KEY_PATTERN, "not a valid environment variable name"), envValue)
    .default({}),
  command: z.union([z.string().min(1), z.array(z.string())]).optional(),
  volumes: z.array(z.string().min(1)).default([]),
  network: z.string().min(1).optional(),
  restart: restart.default("unless-stopped"),
  memory: z
    .string()
    .regex(/^\d+[bkmg]?$/i, "write a size such as 512m or 2g")
    .optional(),
  cpus: z.number().positive().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  verify: duration.default(5_000),
  stopTimeout: duration.default(10_000),
  keep: z.number().int().min(0).max(20).default(2),
  /** Commands `/exec` may run in the container: an argv must start with one of these, word for word. */
  exec: z
    .strictObject({
      allow: z.array(z.string().trim().min(1, "an allowed command cannot be empty")).default([]),
    })
    .default({ allow: [] }),
});

const registry = z.strictObject({
  url: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "write the registry as host[:port], without a scheme"),
  username: z.string().optional(),
  password: z.string().optional(),
  insecure: z.boolean().default(false),
});

/** Config keys matching these are stored encrypted and masked in chat (see README). */
const secrets = z.strictObject({
  patterns: z
    .array(z.string().regex(SECRET_PATTERN_SYNTAX, "write a key name with * wildcards, e.g. *_TOKEN"))
    .default(DEFAULT_SECRET_PATTERNS),
});

const alerts = z.strictObject({
  /** Where alerts go; without it, each alert goes to its environment's channel. */
  channel: z.string().min(1).optional(),
  restartLoop: z
    .strictObject({
      count: z.number().int().min(2).max(100).default(3),
      window: duration.default(5 * 60_000),
    })
    .default({ count: 3, window: 5 * 60_000 }),
});

export const fleetSchema = z
  .strictObject({
    registry,
    hosts: z.record(name("host"), host).transform(ownKeysOnly),
    environments: z.record(name("environment"), environment).transform(ownKeysOnly),
    projects: z.record(name("project"), project).transform(ownKeysOnly),
    secrets: secrets.optional(),
    /** Named lists of Slack user IDs (U…, W…) and user-group IDs (S…), used by `allow`. */
    roles: z
      .record(
        name("role"),
        z.array(
          z.string().regex(/^[UWS][A-Z0-9]{1,20}$/, "write a Slack user ID (U…) or user-group ID (S…)"),
        ),
      )
      .transform(ownKeysOnly)
      .optional(),
    alerts: alerts.optional(),
    proxy: proxy.fleet.optional(),
  })
  .superRefine((fleet, ctx) => {
    for (const issue of proxyIssues(fleet.projects)) ctx.addIssue({ code: "custom", ...issue });
    const hostNames = Object.keys(fleet.hosts);
    for (const [envName, env] of Object.entries(fleet.environments)) {
      env.hosts.forEach((h, i) => {
        if (!(h in fleet.hosts)) {
          ctx.addIssue({
            code: "custom",
            path: ["environments", envName, "hosts", i],
            message: `unknown host "${h}"; the hosts section defines ${hostNames.join(", ") || "none"}`,
          });
        }
      });
    }
    for (const [envName, env] of Object.entries(fleet.environments)) {
      for (const [command, roles] of Object.entries(env.allow ?? {})) {
        if (!ALLOW_KEYS.includes(command)) {
          ctx.addIssue({
            code: "custom",
            path: ["environments", envName, "allow", command],
            message: `"${command}" is not a command that acts on an environment; use one of ${ALLOW_KEYS.join(", ")}`,
          });
        }
        roles.forEach((role, i) => {
          if (!fleet.roles || !(role in fleet.roles)) {
            ctx.addIssue({
              code: "custom",
              path: ["environments", envName, "allow", command, i],
              message: `unknown role "${role}"; the roles section defines ${Object.keys(fleet.roles ?? {}).join(", ") || "none"}`,
            });
          }
        });
      }
    }
    if ((fleet.registry.username ?? "") !== "" && (fleet.registry.password ?? "") === "") {
      ctx.addIssue({
        code: "custom",
        path: ["registry", "password"],
        message: "a username needs a password",
      });
    }
  });

export type FleetInput = z.input<typeof fleetSchema>;
export type Fleet = z.output<typeof fleetSchema>;
export type HostSpec = Fleet["hosts"][string];
export type EnvironmentSpec = Fleet["environments"][string];
export type ProjectSpec = Fleet["projects"][string];
export type RegistrySpec = Fleet["registry"];
export type ProxySettings = NonNullable<Fleet["proxy"]>;
export type ProjectProxy = NonNullable<ProjectSpec["proxy"]>;
