// Placeholder until the admin CLI lands.
export const adminUsage = '';

export async function runAdminCli(_argv: string[]): Promise<number | undefined> {
  return undefined;
}
