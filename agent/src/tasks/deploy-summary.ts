import type { AgentKindResult, LayoutPlan, Manifest } from '@brume/protocol';

/** A deploy's result on the server, whether it ran whole or step by step. */
export function deploySummary(
  image: string,
  disk: string,
  manifest: Manifest,
  plan: LayoutPlan,
  seconds: number,
): AgentKindResult<'deploy'> {
  return {
    image,
    disk,
    partitions: plan.partitions.length,
    identical: plan.identical,
    plan,
    rawBytes: manifest.partitions.reduce((sum, p) => sum + p.rawBytes, 0),
    seconds,
  };
}
