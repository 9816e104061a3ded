// npm run check -- [--connect] <fleet.yml>: validates a fleet file for CI; exit 0 = fine,
// 1 = problems found, 2 = not understood. --connect also reaches the hosts, registry and Redis.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkConnections } from "../check/connect.js";
import type { CheckRow } from "../check/probes.js";
import { codeTable, plural } from "../core/table.js";
import { loadEnv } from "../env.js";
import { errorMessage } from "../errors.js";
import { checkFleet } from "../fleet/load.js";

const USAGE = `usage: npm run check -- [--connect] <fleet.yml>
  checks the fleet file offline (exit 0 = valid, 1 = problems, 2 = usage);
  --connect also reaches every host, the registry (each project's repository and tag) and REDIS_URL`;

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    process.stderr.write(`cannot read ${file} (${errorMessage(err)})\n`);
    return 2;
  }
  const checked = checkFleet(text, file, process.env);
  for (const name of checked.unsetVariables) out(`${file}: warning: \${${name}} is not set here`);
  if (!checked.ok) {
    for (const p of checked.problems) out(`${file}: ${p.path}: ${p.message}`);
    out(`${file}: ${plural(checked.problems.length, "problem")}`);
    return 1;
  }
  const { fleet } = checked;
  const counts = [
    plural(Object.keys(fleet.hosts).length, "host"),
    plural(Object.keys(fleet.environments).length, "environment"),
    plural(Object.keys(fleet.projects).length, "project"),
  ];
  out(`${file}: valid (${counts.join(", ")})`);
  if (!values.connect) return 0;
  const env = loadEnv();
  const rows = await checkConnections(fleet, env.REDIS_URL, env.DOCKOPS_PREFIX);
  out(renderRows(rows));
  const failed = rows.filter((r) => r.status === "FAIL").length;
  out(failed === 0 ? "all reachable" : `${plural(failed, "check")} failed`);
  return failed === 0 ? 0 : 1;
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      connect: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** The table for a terminal: the shared aligned table without its chat code fence. */
export function renderRows(rows: readonly CheckRow[]): string {
  const table = codeTable(
    ["CHECK", "STATUS", "DETAIL", "FIX"],
    rows.map((r) => [r.what, r.status, r.detail, r.fix || "-"]),
  );
  return table.split("\n").slice(1, -1).join("\n");
}

// Exit at once: idle keep-alive sockets to the hosts would otherwise hold the process open.
main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`check: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
