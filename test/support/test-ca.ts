import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type TestCa = { dir: string; caFile: string; ca: string; cert: string; key: string };

/** A throw-away CA made with openssl, and a server certificate it signed for `ips`. */
export function makeTestCa(ips: string[] = ["127.0.0.1"]): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "dockops-ca-"));
  const at = (f: string) => join(dir, f);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=dockops test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${ips[0]}`,
    "-keyout",
    "srv.key",
    "-out",
    "srv.csr",
  );
  writeFileSync(at("ext"), `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}\n`);
  openssl(
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "ext",
    "-out",
    "srv.pem",
  );
  return {
    dir,
    caFile: at("ca.pem"),
    ca: readFileSync(at("ca.pem"), "utf8"),
    cert: readFileSync(at("srv.pem"), "utf8"),
    key: readFileSync(at("srv.key"), "utf8"),
  };
}
