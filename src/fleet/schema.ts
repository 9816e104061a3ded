import { z } from "zod";
import { AUDIT_RETENTION_MS } from "../audit/retention.js";
import { ENV_KEY_PATTERN, NAME_PATTERN, REPOSITORY_PATTERN, TAG_PATTERN } from "../names.js";
import { MAX_REPORT_DAYS, WEEKDAYS } from "../report/weekly-schedule.js";
import { DEFAULT_SECRET_PATTERNS, SECRET_PATTERN_SYNTAX } from "../secrets/patterns.js";
import { ALLOW_KEYS, FLEET_ALLOW_KEYS } from "./allow-keys.js";
import { CROSS_CHECK_DESPITE_OTHER_ISSUES } from "./cross-checkable.js";
import { parseDuration } from "./duration.js";
import { proxyCheckable, proxyIssues, proxySchemas } from "./proxy-schema.js";
import { fleetResourceThresholds, projectResourceThresholds } from "./resource-thresholds.js";

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
const duration = z
  .union([z.string(), z.number()])
  .describe("A duration: 30s, 5m, 1h, 2d, 500ms, or a number of seconds")
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `"${value}" is not a duration; write e.g. 30s, 5m or 1h` });
      return z.NEVER;
    }
    return ms;
  });

/** Scalars in YAML (numbers, booleans) become the strings a container environment needs. */
const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const tls = z
  .strictObject({
    ca: z.string().min(1).describe("PEM file of the CA that signed the daemon's certificate"),
    cert: z.string().min(1).describe("PEM file of the client certificate"),
    key: z.string().min(1).describe("PEM file of the client key"),
  })
  .describe("Client certificate files for a TLS daemon (relative paths are relative to the fleet file)");

const host = z
  .strictObject({
    docker: z
      .string()
      .regex(
        /^(unix:\/\/\/.+|tcp:\/\/[^\s/]+:\d{1,5})$/,
        "write unix:///path/to/docker.sock or tcp://ADDRESS:PORT",
      )
      .describe("The Docker API: unix:///path/docker.sock or tcp://ADDRESS:PORT (unless agent: true)")
      .optional(),
    agent: z
      .literal(true)
      .optional()
      .describe("true = reached through its agent (npm run agent -- --host NAME) instead of a Docker API"),
    tls: tls.optional(),
    timeout: duration
      .default(30_000)
      .describe("Connect/idle timeout of every Docker API call to this host (default 30s)"),
  })
  .superRefine((spec, ctx) => {
    if (spec.agent && (spec.docker || spec.tls)) {
      ctx.addIssue({
        code: "custom",
        path: ["agent"],
        message:
          "a host with agent: true has no docker (or tls) address: its agent talks to the local Docker socket",
      });
    } else if (!spec.agent && !spec.docker) {
      ctx.addIssue({
        code: "custom",
        path: ["docker"],
        message: "write docker: unix:///path/to/docker.sock or tcp://ADDRESS:PORT, or agent: true",
      });
    }
  })
  .describe("A server running dockerd");

const approval = z
  .strictObject({
    approvers: z
      .array(z.string().min(1))
      .min(1, "list at least one approver (Slack user or user-group ID)")
      .describe("Slack user IDs (U…) or user-group IDs (S…) who may approve"),
    allowSelfApproval: z
      .boolean()
      .default(false)
      .describe("Whether the requester may approve their own request"),
    expires: duration.default(30 * 60_000).describe("How long a request waits for a decision (default 30m)"),
  })
  .describe("Changes to this environment need another person's approval");

/** Command → roles allowed to run it; commands not listed stay open. */
const allow = z
  .record(z.string().regex(/^[a-z][a-z0-9-]*$/, "name a command, e.g. deploy"), z.array(z.string()))
  .optional();

const rollout = z
  .strictObject({
    batch: z
      .union([
        z.number().int().min(1),
        z.string().regex(/^(100|[1-9]\d?)%$/, 'write a share of the hosts as "25%" (1% to 100%)'),
      ])
      .describe('Hosts per batch: a number, or a share of the hosts such as "25%" (rounded up)'),
    pause: duration.default(0).describe("How long to wait between batches"),
    onFailure: z
      .enum(["stop", "rollback"])
      .default("stop")
      .describe("A failed batch stops the rest; rollback also puts the finished batches back"),
  })
  .describe("Deploy to the environment's hosts in batches, one batch after another");

const environment = z
  .strictObject({
    channel: z
      .string()
      .min(1)
      .optional()
      .describe("The environment's Slack channel ID (deploy messages, alerts)"),
    hosts: z
      .array(z.string())
      .min(1, "an environment needs at least one host")
      .describe("Hosts (names under hosts) a deploy without a host goes to"),
    approval: approval.optional(),
    rollout: rollout.optional(),
    /** Command (plan kind) → roles allowed to run it here; commands not listed stay open. */
    allow: allow.describe(
      "Command → roles allowed to run it here, e.g. deploy: [deployers]; commands not listed stay open",
    ),
    /** Slack channel IDs this environment's commands may come from; unset = any channel. */
    channels: z
      .array(z.string().min(1))
      .min(1, "list at least one channel ID, or leave channels out")
      .optional()
      .describe("Slack channel IDs this environment's commands may come from; unset = any channel"),
  })
  .describe("A named set of hosts, e.g. beta or prod");

const port = z
  .string()
  .regex(
    /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/,
    'write "HOSTPORT:CONTAINERPORT", e.g. "8080:80", optionally "IP:8080:80" or "8080:80/udp"',
  )
  .describe('"HOST:CONTAINER", "IP:HOST:CONTAINER", optionally with /udp');

const health = z
  .strictObject({
    cmd: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Shell command run inside the container as its health check (overrides the image's HEALTHCHECK)",
      ),
    timeout: duration
      .default(60_000)
      .describe("How long the container may take to turn healthy (default 60s)"),
    interval: duration.default(2_000).describe("Docker's health check interval (default 2s)"),
    retries: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe("Failed checks before the container is unhealthy"),
  })
  .describe("How a deploy decides the new container is healthy");

const restart = z
  .string()
  .regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, "use no, always, unless-stopped or on-failure[:N]")
  .describe("Docker restart policy: no, always, unless-stopped or on-failure[:N]");

const proxy = proxySchemas(duration);
/** The top-level `proxy:` with its defaults filled in, whether the fleet file has one or not. */
export const proxySettings = (fleet: { proxy?: ProxySettings }): ProxySettings =>
  fleet.proxy ?? proxy.fleet.parse({});

/** Whether any project is behind the hosts' proxy (else no host runs one). */
export const usesProxy = (fleet: { projects: Record<string, { proxy?: unknown }> }): boolean =>
  Object.values(fleet.projects).some((p) => p.proxy !== undefined);

/** A git ref as `/build` and the fleet file name it: no option-like or path-escaping words. */
export const GIT_REF_PATTERN = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}$/;

const gitRepo = z
  .string()
  .min(1)
  .regex(/^(?!-)\S+$/, "write a git URL or a local path, without spaces")
  .describe("The git repository: a URL (https://, ssh://, git@…) or a path on the worker's machine");

const gitRef = (when: string) =>
  z
    .string()
    .regex(GIT_REF_PATTERN, "write a branch, tag or commit, e.g. main")
    .default("main")
    .describe(`Branch, tag or commit ${when} (default main)`);

const build = z
  .strictObject({
    repo: gitRepo,
    ref: gitRef("built when /build names none"),
    dockerfile: z
      .string()
      .min(1)
      .default("Dockerfile")
      .describe("Path of the Dockerfile inside the context (default Dockerfile)"),
    context: z
      .string()
      .min(1)
      .refine((c) => !c.split("/").includes(".."), "the context must stay inside the repository")
      .default(".")
      .describe("Folder of the repository sent to Docker as the build context (default .)"),
    builder: z.string().min(1).describe("The host (a name under hosts) whose Docker daemon builds the image"),
    args: z
      .record(z.string().regex(ENV_KEY_PATTERN, "not a valid build argument name"), envValue)
      .default({})
      .describe(
        "Build arguments (docker build --build-arg); not for secrets, they stay in the image history",
      ),
  })
  .describe("How /build makes the project's image from its git repository");

/** A tag pattern as the fleet file writes it: a JavaScript regular expression. */
const tagPattern = z
  .string()
  .min(1)
  .refine((source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  }, "not a regular expression; write e.g. '^v\\d+'")
  .describe("A regular expression the pushed tag must match, e.g. '^v\\d+' (single quotes in YAML)");

const autoDeploy = z
  .strictObject({
    env: z
      .string()
      .min(1)
      .describe("The environment a matching pushed tag is deployed to; it may not need approval"),
    tags: tagPattern,
  })
  .describe("Deploy a tag pushed to the registry automatically when it matches (registry notifications)");
/** Where a project's code is mounted: an absolute path that cannot climb out of itself. */
const MOUNT_PATTERN = /^\/(?!.*\/\.\.?(\/|$))[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/;

const code = z
  .strictObject({
    repo: gitRepo,
    ref: gitRef("deployed when /deploy names none with @<ref>"),
    mount: z
      .string()
      .regex(MOUNT_PATTERN, "write an absolute path inside the container, e.g. /var/www/html")
      .default("/var/www/html")
      .describe("Where the code is mounted, read-only, in the container (default /var/www/html)"),
  })
  .describe(
    "Project code deployed at a git ref into the image: each deploy mounts the commit's files, read-only, from a Docker volume on the host",
  );

const project = z
  .strictObject({
    build: build.optional(),
    autoDeploy: autoDeploy.optional(),
    code: code.optional(),
    proxy: proxy.project
      .optional()
      .describe("Serve through the host's proxy: zero-downtime deploys; the project then publishes no ports"),
    image: z
      .string()
      .regex(REPOSITORY_PATTERN, "an image is a repository path in the registry, e.g. team/a1")
      .describe("Repository in the registry, e.g. team/a1"),
    tag: z
      .string()
      .regex(TAG_PATTERN, "not a valid Docker tag")
      .default("latest")
      .describe("Tag deployed when /deploy names none"),
    ports: z.array(port).default([]).describe("Published ports"),
    health: health.optional(),
    env: z
      .record(z.string().regex(ENV_KEY_PATTERN, "not a valid environment variable name"), envValue)
      .default({})
      .describe("Environment variables (numbers and booleans become strings)"),
    command: z
      .union([z.string().min(1), z.array(z.string())])
      .optional()
      .describe("A string (run with sh -c) or an argv list"),
    volumes: z.array(z.string().min(1)).default([]).describe("docker run -v specs"),
    network: z.string().min(1).optional().describe("Network mode or name"),
    restart: restart.default("unless-stopped"),
    memory: z
      .string()
      .regex(/^\d+[bkmg]?$/i, "write a size such as 512m or 2g")
      .optional()
      .describe("Memory limit, e.g. 512m or 2g"),
    cpus: z.number().positive().optional().describe("CPU limit, e.g. 1.5"),
    labels: z.record(z.string(), z.string()).default({}).describe("Extra container labels"),
    verify: duration
      .default(5_000)
      .describe(
        "How long the new container must stay running and healthy before the deploy succeeds (default 5s)",
      ),
    stopTimeout: duration.default(10_000).describe("Grace period for docker stop (default 10s)"),
    keep: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(2)
      .describe("Stopped previous containers kept per host for rollback"),
    /** Commands `/exec` may run in the container: an argv must start with one of these, word for word. */
    exec: z
      .strictObject({
        allow: z
          .array(z.string().trim().min(1, "an allowed command cannot be empty"))
          .default([])
          .describe("Commands /exec may run; an argv must start with one of these, word for word"),
      })
      .default({ allow: [] })
      .describe("What /exec may run in the project's container"),
    alerts: z
      .strictObject({ resources: projectResourceThresholds.optional() })
      .optional()
      .describe("This project's own alert settings"),
  })
  .describe("An application deployed as one container per host");

const registry = z
  .strictObject({
    url: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "write the registry as host[:port], without a scheme")
      .describe("Registry host[:port], without a scheme"),
    username: z
      .string()
      .optional()
      .describe("For docker pull and the Registry API; never shown in chat or logs"),
    password: z
      .string()
      .optional()
      .describe("Password or token for username; put a variable reference here, not the secret itself"),
    insecure: z
      .boolean()
      .default(false)
      .describe("true = plain HTTP (credentials go only to the registry's own host)"),
    /** PEM file of the CA that signed the registry's certificate (relative to the fleet file). */
    ca: z
      .string()
      .min(1)
      .optional()
      .describe("PEM file of the CA that signed the registry's certificate (relative to the fleet file)"),
  })
  .describe("The private registry images are pulled from");

/** Config keys matching these are stored encrypted and masked in chat (see docs/configuration-and-secrets.md). */
const secrets = z
  .strictObject({
    patterns: z
      .array(z.string().regex(SECRET_PATTERN_SYNTAX, "write a key name with * wildcards, e.g. *_TOKEN"))
      .default(DEFAULT_SECRET_PATTERNS)
      .describe("Key names with * wildcards, case-insensitive; giving the list replaces the default"),
  })
  .describe("Config keys that are secret: encrypted at rest and masked in chat");

const alerts = z
  .strictObject({
    /** Where alerts go; without it, each alert goes to its environment's channel. */
    channel: z
      .string()
      .min(1)
      .optional()
      .describe("Slack channel ID for alerts; unset = each environment's channel"),
    restartLoop: z
      .strictObject({
        count: z
          .number()
          .int()
          .min(2)
          .max(100)
          .default(3)
          .describe("Restarts within window that make a loop"),
        window: duration.default(5 * 60_000).describe("The window (default 5m)"),
      })
      .prefault({})
      .describe("What counts as a restart loop"),
    /** The monitor's resource samples (`/stats --chart`): how often, and how long they are kept. */
    sampling: z
      .strictObject({
        every: duration
          .default(30_000)
          .refine((ms) => ms >= 5_000 && ms <= 3_600_000, "sample every 5s to 1h")
          .describe("How often every managed container and host is sampled (default 30s)"),
        full: duration
          .default(24 * 3_600_000)
          .describe("How long samples are kept at full resolution (default 24h)"),
        bucket: duration
          .default(5 * 60_000)
          .describe("Older samples are averaged over buckets this long (default 5m)"),
        downsampled: duration
          .default(7 * 24 * 3_600_000)
          .describe("How long the averaged samples are kept (default 7d)"),
      })
      .prefault({})
      .describe(
        "Resource sampling by the monitor, for charts; one sample per period however many monitors run",
      ),
    resources: fleetResourceThresholds,
  })
  .describe("Where alerts go, what counts as a restart loop, resource sampling and resource thresholds");

/** A delivery report posted to a channel every week (`/report` for every project and environment). */
const report = z
  .strictObject({
    channel: z.string().min(1).describe("Slack channel ID the report is posted to"),
    weekday: z.enum(WEEKDAYS).describe("Day of the week, e.g. monday"),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "write the time as HH:MM (24 hours, UTC), e.g. 09:00")
      .describe("Time of day, HH:MM in UTC"),
    days: z
      .number()
      .int()
      .min(1)
      .max(MAX_REPORT_DAYS)
      .default(7)
      .describe("Days the report covers (default 7)"),
  })
  .describe("Post the delivery report to a channel once a week, however many bots run");

const audit = z
  .strictObject({
    /** Entries older than this leave the audit stream; nothing else removes them. */
    retention: duration
      .default(AUDIT_RETENTION_MS)
      .describe("How long audit entries stay in Redis, e.g. 400d (the default)"),
  })
  .describe("The audit trail in Redis");

export const fleetSchema = z
  .strictObject({
    registry,
    hosts: z.record(name("host"), host).describe("Docker hosts by name").transform(ownKeysOnly),
    environments: z
      .record(name("environment"), environment)
      .describe("Environments by name")
      .transform(ownKeysOnly),
    projects: z.record(name("project"), project).describe("Projects by name").transform(ownKeysOnly),
    secrets: secrets.optional(),
    /** Named lists of Slack user IDs (U…, W…) and user-group IDs (S…), used by `allow`. */
    roles: z
      .record(
        name("role"),
        z.array(
          z.string().regex(/^[UWS][A-Z0-9]{1,20}$/, "write a Slack user ID (U…) or user-group ID (S…)"),
        ),
      )
      .describe("Named lists of Slack user IDs (U…, W…) and user-group IDs (S…), used by allow")
      .transform(ownKeysOnly)
      .optional(),
    alerts: alerts.optional(),
    allow: allow.describe(
      "Roles for the commands that act on no environment (cancel, prune, jobs, job, audit, hosts, images, alerts, build); commands not listed stay open",
    ),
    audit: audit.prefault({}),
    report: report.optional(),
    proxy: proxy.fleet
      .optional()
      .describe(
        "The per-host reverse proxy (Caddy) that proxied projects share: image, container name, network",
      ),
  })
  .superRefine((fleet, ctx) => {
    if (proxyCheckable(fleet.projects)) {
      for (const issue of proxyIssues(fleet.projects)) ctx.addIssue({ code: "custom", ...issue });
    }
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
    // Other sections may be missing here: the cross-checks run despite other issues.
    for (const [projectName, spec] of Object.entries(fleet.projects ?? {})) {
      if (spec?.build && !(spec.build.builder in (fleet.hosts ?? {}))) {
        ctx.addIssue({
          code: "custom",
          path: ["projects", projectName, "build", "builder"],
          message: `unknown host "${spec.build.builder}"; the hosts section defines ${hostNames.join(", ") || "none"}`,
        });
      }
    }
    for (const [projectName, spec] of Object.entries(fleet.projects ?? {})) {
      const why = spec?.autoDeploy && autoDeployIssue(spec.autoDeploy.env, fleet.environments);
      if (why)
        ctx.addIssue({ code: "custom", path: ["projects", projectName, "autoDeploy", "env"], message: why });
    }
    type Rules = { path: string[]; rules?: Record<string, string[]>; keys: readonly string[]; what: string };
    const allows: Rules[] = [
      ...Object.entries(fleet.environments).map(([envName, env]) => ({
        path: ["environments", envName, "allow"],
        rules: env.allow,
        keys: ALLOW_KEYS,
        what: "acts on an environment",
      })),
      { path: ["allow"], rules: fleet.allow, keys: FLEET_ALLOW_KEYS, what: "acts on no environment" },
    ];
    for (const { path, rules, keys, what } of allows) {
      for (const [command, roles] of Object.entries(rules ?? {})) {
        if (!keys.includes(command)) {
          ctx.addIssue({
            code: "custom",
            path: [...path, command],
            message: `"${command}" is not a command that ${what}; use one of ${keys.join(", ")}`,
          });
        }
        roles.forEach((role, i) => {
          if (!fleet.roles || !(role in fleet.roles)) {
            ctx.addIssue({
              code: "custom",
              path: [...path, command, i],
              message: `unknown role "${role}"; the roles section defines ${Object.keys(fleet.roles ?? {}).join(", ") || "none"}`,
            });
          }
        });
      }
    }
    if (fleet.registry.ca !== undefined && fleet.registry.insecure) {
      ctx.addIssue({
        code: "custom",
        path: ["registry", "ca"],
        message: "a CA is for HTTPS; remove insecure: true (or the ca)",
      });
    }
    if ((fleet.registry.username ?? "") !== "" && (fleet.registry.password ?? "") === "") {
      ctx.addIssue({
        code: "custom",
        path: ["registry", "password"],
        message: "a username needs a password",
      });
    }
  }, CROSS_CHECK_DESPITE_OTHER_ISSUES);

/** Why `autoDeploy` may not deploy to `env`: an unknown environment, or one whose deploys need approval. */
function autoDeployIssue(
  env: string,
  environments: Record<string, { approval?: unknown }>,
): string | undefined {
  const spec = environments[env];
  if (!spec) {
    return `unknown environment "${env}"; the environments section defines ${Object.keys(environments).join(", ") || "none"}`;
  }
  if (spec.approval) {
    return `autoDeploy cannot deploy to "${env}": its deploys need approval (environments.${env}.approval), and no one approves a push. Pick an environment without approval, or remove autoDeploy`;
  }
  return undefined;
}

export type FleetInput = z.input<typeof fleetSchema>;
export type Fleet = z.output<typeof fleetSchema>;
export type HostSpec = Fleet["hosts"][string];
export type EnvironmentSpec = Fleet["environments"][string];
export type ProjectSpec = Fleet["projects"][string];
export type RegistrySpec = Fleet["registry"];
export type ProxySettings = NonNullable<Fleet["proxy"]>;
export type BuildSpec = NonNullable<ProjectSpec["build"]>;
export type AutoDeploySpec = NonNullable<ProjectSpec["autoDeploy"]>;
export type ProjectProxy = NonNullable<ProjectSpec["proxy"]>;
