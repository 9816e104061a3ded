import { UnrecoverableError } from "bullmq";

/**
 * A job names a project or host this worker's fleet does not have: the file changed since the
 * request, or machines run different copies of it. A retry cannot help.
 */
export function notInFleet(host: string, project?: string): UnrecoverableError {
  const what = project === undefined ? `host ${host}` : `project ${project} or host ${host}`;
  return new UnrecoverableError(
    `${what} is not in this worker's fleet file (it may have changed since the request), so nothing was done — check the fleet file on each machine and ask again`,
  );
}
