import { uploadImageWriter } from '../api/upload-writer.ts';
import { captureDisk } from '../imaging/capture.ts';
import { describeKind, taskDisk, taskImage, type TaskModule } from './task-module.ts';

/** Capture this PC's disk into a new image on the server, named by the task. */
export const captureTask = {
  kind: 'capture',
  describe: () => describeKind('capture', { phases: ['inspect', 'capture', 'finalize'] }),
  async run(context) {
    const { task, client } = context;
    const image = taskImage(task);
    const disk = taskDisk(context);
    const writer = uploadImageWriter(client, task.id, image);
    const started = performance.now();
    const manifest = await captureDisk(
      { disk, name: image, chunkBytes: context.chunkBytes, level: context.level, logDir: context.logDir },
      { run: context.run, reporter: context.reporter, writer, signal: context.signal },
    );
    return {
      image,
      disk,
      partitions: manifest.partitions.length,
      rawBytes: manifest.partitions.reduce((sum, p) => sum + p.rawBytes, 0),
      storedBytes: manifest.partitions.reduce((sum, p) => sum + p.storedBytes, 0),
      seconds: (performance.now() - started) / 1000,
      ...writer.stats(),
    };
  },
} satisfies TaskModule<'capture'>;
