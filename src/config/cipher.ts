import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";

/**
 * `CONFIG_ENCRYPTION_KEY` is 32 random bytes, written as 64 hex characters or as base64
 * (`openssl rand -hex 32` or `openssl rand -base64 32`). Returns undefined when it is neither.
 */
export function parseEncryptionKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, "base64");
    if (key.length === 32) return key;
  }
  return undefined;
}

/**
 * AES-256-GCM with a fresh 12-byte IV per value. The associated data binds a ciphertext to its
 * project, environment and key, so a stored value cannot be moved to another key unnoticed.
 * Stored form: `v1:<iv>:<tag>:<ciphertext>`, each part base64.
 */
export class ConfigCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("the config encryption key must be 32 bytes");
  }

  encrypt(plain: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64"));
    return [VERSION, ...parts].join(":");
  }

  decrypt(stored: string, aad: string): string {
    const [version, iv, tag, body] = stored.split(":");
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
      throw new Error("a stored secret is not in a format this version can read");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
    } catch {
      // Never include the stored text: the message may reach chat.
      throw new Error(
        "a stored secret cannot be decrypted; is CONFIG_ENCRYPTION_KEY the key it was stored with?",
      );
    }
  }
}

/** What a secret's ciphertext is bound to. */
export const secretAad = (project: string, env: string, key: string): string => `${project}/${env}/${key}`;
