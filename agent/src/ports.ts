import type { Chunk, Event, Manifest, ManifestDisk } from '@brume/protocol';

/** Where a running job's events go: the terminal, NDJSON on stdout, the server. Best-effort, never throws. */
export interface Reporter {
  event(event: Event): void;
}

/** One stored piece of an image file: the bytes as they are kept (a zstd frame, or a small file whole). */
export interface StoredPiece {
  /** Where the piece starts in its file. */
  offset: number;
  stored: Uint8Array;
  /** sha256 of `stored`. */
  sha256: string;
}

/**
 * Where a capture puts its image: a local directory (DIR.partial, renamed when complete) or the server (chunk uploads,
 * then a commit). The engine writes every file as numbered pieces in order, then publishes the manifest.
 */
export interface ImageWriter {
  /** Where the image goes, for messages: a directory, or the server and the image's name. */
  readonly location: string;
  /** Called once before the first piece: the place is ready (or refused, before any disk is read at length). */
  begin(): Promise<void>;
  put(file: string, index: number, piece: StoredPiece): Promise<void>;
  /** The file has all its pieces. */
  endFile(file: string): Promise<void>;
  /** The manifest last: after this the image exists, complete, and not before. */
  publish(manifest: Manifest): Promise<void>;
  /** Releases what the writer holds; after a failure the partial image stays where it is (for a look, or a resume). */
  close(): Promise<void>;
}

/** Where the stored bytes of a chunk come from: a local image directory, or the server over HTTP. */
export interface ChunkSource {
  /** Fresh bytes on every call: the caller owns them (the codec pool moves them to a worker thread). */
  read(file: string, chunk: Chunk, index: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Where a deploy (or a verify) reads an image from. Everything it returns has been checked against the manifest. */
export interface ImageReader {
  /** The directory, or the server and the image's name, for messages. */
  readonly location: string;
  /** The manifest, validated, with every file it names checked to have the size it gives. */
  manifest(): Promise<Manifest>;
  /** The disk's boot area, only if it matches its sha256. */
  bootArea(disk: ManifestDisk): Promise<Uint8Array>;
  /** A source of chunks; the caller closes it. Chunks come unverified: the codec pool checks both hashes. */
  chunks(): ChunkSource;
}
