import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * The key of one host's tunnels, derived from CONFIG_ENCRYPTION_KEY: workers and monitors derive
 * it for every agent host, the agent holds only its own (AGENT_KEY), and it reveals neither the
 * master key nor another host's.
 */
export function agentTunnelKey(master: Buffer, host: string): Buffer {
  return Buffer.from(hkdfSync("sha256", master, "dockops agent tunnel", host, 32));
}

/** AGENT_KEY as the agent reads it: 64 hex characters. */
export function parseAgentKey(text: string | undefined): Buffer | undefined {
  const trimmed = text?.trim() ?? "";
  return /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : undefined;
}

/**
 * AES-256-GCM for tunnel frames. Docker calls carry secrets (a container's environment, the
 * registry login of a pull), and Redis may write its streams to disk (AOF): what passes through
 * it is only ever ciphertext. The associated data binds each frame to its stream, tunnel and
 * kind, so a frame cannot be replayed into another tunnel or turned around; a frame from anyone
 * without the key (another Redis user) fails to open and is dropped.
 */
export class TunnelSeal {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("an agent tunnel key must be 32 bytes");
  }

  seal(plain: Buffer, aad: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The plaintext, or undefined when the frame was not sealed with this key for this place. */
  open(sealed: Buffer, aad: string): Buffer | undefined {
    if (sealed.length < 28) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}
