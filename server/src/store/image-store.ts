import type { Readable } from 'node:stream';
import type { BrumeError } from '@brume/protocol';
import type { ImageFileRecord } from '../db/images.ts';

/**
 * Where image bytes live. Uploads are staged per task and become an image in one commit step that either fully
 * happens or not at all; only published images can be read. `local-store.ts` keeps them in DATA/; an S3-compatible
 * store can implement the same interface.
 */
export interface ImageStore {
  /** Writes a chunk's bytes at `offset` of a staged file, hashing them as they arrive. */
  stageChunk(
    taskId: number,
    file: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit: ChunkLimit,
  ): Promise<StagedChunk>;
  /** Reads the given ranges of a file back in order and hashes each one and their concatenation, streamed. */
  digest(location: FileLocation, file: string, chunks: readonly ByteRange[]): Promise<FileDigest>;
  /** Size of a stored file, or null when it does not exist. */
  fileSize(location: FileLocation, file: string): Promise<number | null>;
  /**
   * Publishes a task's staged upload as image `name`: files cut to their recorded sizes, anything else dropped, the
   * manifest and the record written, then made visible at once. Throws IMAGE_EXISTS if the name is taken.
   */
  publish(taskId: number, name: string, manifest: unknown, record: PublishRecord): Promise<void>;
  discardStaged(taskId: number): Promise<void>;
  /** Throws STORAGE_FULL when the disk holding DATA has less free space than the reserve a capture needs to start. */
  checkFreeSpace(): Promise<void>;
  stagedTaskIds(): Promise<number[]>;
  publishedNames(): Promise<string[]>;
  hasPublished(name: string): Promise<boolean>;
  /** The manifest and publish record of a published image as stored, unvalidated; null for a missing or unreadable one. */
  readPublished(name: string): Promise<{ manifest: unknown; record: unknown } | null>;
  /** Streams a published file, or the inclusive byte range of it. */
  openRead(name: string, file: string, range: { start: number; end: number } | null): Readable;
  /** Removes a published image; it disappears at once, its bytes are reclaimed after. */
  remove(name: string): Promise<void>;
  /** Reclaims what an interrupted removal left behind. */
  sweep(): Promise<void>;
}

export type FileLocation = { staged: number } | { published: string };

export interface ByteRange {
  offset: number;
  bytes: number;
}

export interface ChunkLimit {
  maxBytes: number;
  /** The error to throw when the body goes past maxBytes. */
  exceeded: () => BrumeError;
}

export interface StagedChunk {
  bytes: number;
  sha256: string;
}

export interface FileDigest {
  /** Per requested range: the bytes actually read (fewer when the file is short) and their sha256. */
  chunks: StagedChunk[];
  sha256: string;
}

/** Written beside the manifest, so a restart can register an image whose database row was lost. */
export interface PublishRecord {
  taskId: number | null;
  files: ImageFileRecord[];
}
