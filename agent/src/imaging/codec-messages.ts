/** Messages between the codec pool and its workers. */
export type CodecRequest =
  | { id: number; op: 'compress'; level: number; raw: Uint8Array }
  | { id: number; op: 'decompress'; stored: Uint8Array; sha256: string; rawSha256: string; rawBytes: number };

export type CodecFailure = 'stored-hash' | 'decompress' | 'raw-hash';

export type CodecReply =
  | { id: number; ok: true; rawSha256: string; sha256: string; stored: Uint8Array }
  | { id: number; ok: true; raw: Uint8Array }
  | { id: number; ok: false; failure: CodecFailure; actual: string };
