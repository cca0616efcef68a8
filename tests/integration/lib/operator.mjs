// The platform operator's revocation API for tests: tests/tools/operator-sim.mjs
// over the test CA's CRLs, in its own process (sakaid-card is spawned
// synchronously and would block a server in the test's own event loop).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { jpkiMaterial } from './flow.mjs';

const SOURCE = process.env.SAKAID_SOURCE_DIR;

/** Starts the simulator with the API key in @p keyFile; resolves to { proc, url, control }. */
export function startOperatorSimulator(keyFile) {
  const proc = spawn(process.execPath, [join(SOURCE, 'tests', 'tools', 'operator-sim.mjs'), '--crl-dir', join(jpkiMaterial(), 'crl'),
    '--key-file', keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ proc, ...JSON.parse(out.split('\n')[0]) });
    });
    proc.on('exit', (code) => reject(new Error(`operator-sim exited (${code})`)));
  });
}
