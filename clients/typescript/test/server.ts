// The real daemon (scripts/lib/test-daemon) in a child process on 127.0.0.1, a free port; and a
// self-signed certificate made by openssl for the TLS case.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const EXAMPLES = path.join(ROOT, 'examples');

export class Daemon {
  private constructor(readonly proc: ChildProcess, readonly port: number, readonly log: string[]) {}

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  static start(...settings: string[]): Promise<Daemon> {
    const args = settings.flatMap((s) => ['--set', s]);
    const proc = spawn(path.join(ROOT, 'scripts', 'lib', 'test-daemon'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log: string[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error('the daemon did not start within 120 s:\n' + log.join('')));
      }, 120_000);
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl + 1);
          buf = buf.slice(nl + 1);
          log.push(line);
          const m = /"event":"grpc_listening".*"address":"[^"]*:(\d+)"/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(new Daemon(proc, Number(m[1]), log));
          }
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the daemon exited (${code}) before listening:\n` + log.join('')));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }
}

/** [cert.pem, key.pem] for 127.0.0.1 and localhost. */
/** The setting that makes the daemon accept this token: it keeps NAME:SHA256HEX, never the token. */
export function acceptToken(token: string): string {
  return `auth.tokens=test:${createHash('sha256').update(token).digest('hex')}`;
}

export function selfSignedCert(): [string, string] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
  return [cert, key];
}
