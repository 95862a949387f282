import { pipeline, Transform, type Readable } from 'node:stream';

/**
 * The same bytes, counted as they pass: `count(n)` for each piece the consumer pulls. Backpressure and errors go
 * through as with any pipe; if the consumer goes away (a client hung up), the source is destroyed with it.
 */
export function countingStream(source: Readable, count: (bytes: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      count(chunk.length);
      done(null, chunk);
    },
  });
  // The error reaches whoever reads `counter` (pipeline destroys it with the error); nothing to do here.
  return pipeline(source, counter, () => undefined);
}
