import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from './cluster';

/**
 * A CA made for one harness run, and server certificates it signs: what the
 * harness's stand-ins for outside services (the object store, a provider's
 * Kafka or Redis) present under the names the rendered tree uses. Files in
 * `dir`: `<ca>.key`/`<ca>.crt`, and `<name>.key`/`<name>.crt` per server.
 */
export class RunCa {
  readonly certFile: string;
  private readonly keyFile: string;

  constructor(
    private readonly dir: string,
    cn: string,
    file = 'ca',
  ) {
    this.certFile = join(dir, `${file}.crt`);
    this.keyFile = join(dir, `${file}.key`);
    sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-keyout', this.keyFile, '-out', this.certFile]);
  }

  /** A key and a certificate for `names` (the first is the CN, all are DNS SANs): their paths. */
  issue(file: string, names: readonly string[]): { key: string; cert: string } {
    const f = (ext: string) => join(this.dir, `${file}.${ext}`);
    writeFileSync(f('ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
    sh('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${names[0]}`, '-keyout', f('key'), '-out', f('csr')]);
    sh('openssl', ['x509', '-req', '-in', f('csr'), '-CA', this.certFile, '-CAkey', this.keyFile, '-CAcreateserial', '-days', '2', '-extfile', f('ext'), '-out', f('crt')]);
    return { key: f('key'), cert: f('crt') };
  }
}
