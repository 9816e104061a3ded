import type Docker from "dockerode";
import { LABEL } from "../../src/docker/labels.js";
import type { ProjectSpec } from "../../src/fleet/schema.js";
import { parseSize } from "../../src/fleet/size.js";

export type SpecInput = {
  project: string;
  env: string;
  deployId: string;
  tag: string;
  digest: string;
  /** registry/repository@digest */
  reference: string;
  requestedBy: string;
  spec: ProjectSpec;
  environment: Record<string, string>;
  /** 1..n when the host runs replicas; replica 1 keeps the plain name. */
  replica?: number;
  /** The stored config revision the environment comes from, shown by /status. */
  configRevision?: number;
  /** A project with `code`: the volume holding the commit's files, mounted read-only at `mount`. */
  code?: { volume: string; mount: string; commit: string };
};

const MS_TO_NS = 1_000_000;

export function containerName(project: string, env: string, deployId: string, replica = 1): string {
  const base = `${project}-${env}-${deployId}`;
  return replica > 1 ? `${base}-r${replica}` : base;
}

export function parseRestart(text: string): { Name: string; MaximumRetryCount?: number } {
  const [name, count] = text.split(":");
  return count ? { Name: name as string, MaximumRetryCount: Number(count) } : { Name: name as string };
}

function portBindings(ports: string[]): { exposed: Record<string, object>; bindings: Docker.PortMap } {
  const exposed: Record<string, object> = {};
  const bindings: Docker.PortMap = {};
  for (const port of ports) {
    const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(port);
    if (!match) continue;
    const key = `${match[3]}/${match[4] ?? "tcp"}`;
    exposed[key] = {};
    const binding = { HostPort: match[2] as string, ...(match[1] ? { HostIp: match[1] } : {}) };
    bindings[key] = [...(bindings[key] ?? []), binding];
  }
  return { exposed, bindings };
}

/** The exact `docker create` request for a deploy: plain data, tested by equality. */
export function containerSpec(input: SpecInput): Docker.ContainerCreateOptions {
  const { spec } = input;
  const { exposed, bindings } = portBindings(spec.ports);
  const command =
    spec.command === undefined
      ? undefined
      : typeof spec.command === "string"
        ? ["sh", "-c", spec.command]
        : spec.command;
  return {
    name: containerName(input.project, input.env, input.deployId, input.replica),
    Image: input.reference,
    Env: Object.entries(input.environment).map(([k, v]) => `${k}=${v}`),
    ...(command ? { Cmd: command } : {}),
    Labels: {
      ...spec.labels,
      [LABEL.managed]: "true",
      [LABEL.project]: input.project,
      [LABEL.env]: input.env,
      [LABEL.version]: input.tag,
      [LABEL.digest]: input.digest,
      [LABEL.deploy]: input.deployId,
      [LABEL.requestedBy]: input.requestedBy,
      ...(input.configRevision !== undefined ? { [LABEL.configRevision]: String(input.configRevision) } : {}),
      ...(input.replica !== undefined ? { [LABEL.replica]: String(input.replica) } : {}),
      ...(input.code ? { [LABEL.commit]: input.code.commit } : {}),
    },
    ExposedPorts: exposed,
    ...(spec.health?.cmd
      ? {
          Healthcheck: {
            Test: ["CMD-SHELL", spec.health.cmd],
            Interval: spec.health.interval * MS_TO_NS,
            Timeout: Math.max(spec.health.interval, 1_000) * MS_TO_NS,
            Retries: spec.health.retries,
            StartPeriod: 0,
          },
        }
      : {}),
    StopTimeout: Math.ceil(spec.stopTimeout / 1000),
    HostConfig: {
      PortBindings: bindings,
      // Until the deploy accepts it, Docker must not restart it: a crash then shows as an exit
      // code, and a failed deploy's container stays down even if dockerd restarts. The
      // project's \`restart\` policy is set once the swap is accepted.
      RestartPolicy: { Name: "no" },
      Binds: input.code ? [...spec.volumes, `${input.code.volume}:${input.code.mount}:ro`] : spec.volumes,
      ...(spec.network ? { NetworkMode: spec.network } : {}),
      ...(spec.memory ? { Memory: parseSize(spec.memory) ?? 0 } : {}),
      ...(spec.cpus ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
    },
  };
}
