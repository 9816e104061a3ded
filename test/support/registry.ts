import { type FleetEnv, need } from "./fleet-env.js";

const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

/** Points `toTag` at the image `fromTag` names, as `docker tag` + `docker push` would (no pull). */
export async function retag(fe: FleetEnv, repository: string, fromTag: string, toTag: string): Promise<void> {
  const base = `http://${need(fe, "REGISTRY_URL")}/v2/${repository}/manifests`;
  const auth = `Basic ${Buffer.from(`${fe.REGISTRY_USERNAME ?? ""}:${fe.REGISTRY_PASSWORD ?? ""}`).toString("base64")}`;
  const got = await fetch(`${base}/${fromTag}`, { headers: { Accept: MANIFEST_TYPES, Authorization: auth } });
  if (!got.ok) throw new Error(`registry answered ${got.status} for ${repository}:${fromTag}`);
  const body = await got.arrayBuffer();
  const put = await fetch(`${base}/${toTag}`, {
    method: "PUT",
    headers: { "content-type": got.headers.get("content-type") ?? "", Authorization: auth },
    body,
  });
  if (!put.ok) throw new Error(`registry answered ${put.status} tagging ${repository}:${toTag}`);
}
