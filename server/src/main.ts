// Placeholder until the server lands: `brume server` entry point.
export const serverUsage = '  brume server  --data DIR [--listen 127.0.0.1:8080] [--public-url URL]\n';

export async function runServerCommand(_argv: string[]): Promise<number> {
  process.stderr.write('brume server: not built yet\n');
  return 1;
}
