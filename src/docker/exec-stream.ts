/**
 * Reads an exec's attached stream until it ends or `timeoutMs` passes (then it is destroyed).
 * Each chunk goes to `onData`; resolves true when the time ran out.
 */
export function readExecStream(
  stream: NodeJS.ReadableStream & { destroy: () => void },
  timeoutMs: number,
  onData: (chunk: Buffer) => void,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve(true);
    }, timeoutMs);
    stream.on("data", onData);
    const done = () => {
      clearTimeout(timer);
      resolve(false);
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}
