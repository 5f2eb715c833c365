// A local stand-in for what @actions/artifact talks to when a workflow uploads an artifact:
// - the results service's Twirp JSON API at ACTIONS_RESULTS_URL (`CreateArtifact`, `FinalizeArtifact`), which
//   checks the bearer token and answers CreateArtifact with a signed upload URL;
// - that URL, an Azure Blob Storage block-blob endpoint (here on the same server, IP-style like Azurite:
//   /<account>/<container>/<blob>), taking `PUT ?comp=block&blockid=...` for each block and
//   `PUT ?comp=blocklist` with the XML list that commits them, as @azure/storage-blob's uploadStream sends.
// The committed blob (the artifact's zip) is kept so that a test can open it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';

export interface FakeArtifact {
  name: string;
  createRequest: Record<string, unknown>;
  finalizeRequest?: Record<string, unknown>;
  /** The committed blob: the artifact's zip. */
  blob?: Buffer;
  blocksStaged: number;
}

/** A JWT as the runner issues it (unsigned here: the client only decodes it for the backend ids). */
export function fakeRuntimeToken(runBackendId = 'run-backend-1', jobBackendId = 'job-backend-1'): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
  })}.signature`;
}

export class FakeResultsService {
  readonly artifacts = new Map<string, FakeArtifact>();
  readonly requests: string[] = [];
  /** Answer CreateArtifact with this HTTP status and message instead (e.g. 401, 409). */
  failCreate?: { status: number; msg: string };
  private server?: Server;
  private readonly blocks = new Map<string, Map<string, Buffer>>();

  constructor(readonly token: string = fakeRuntimeToken()) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'internal', msg: error.message }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await read(req);
    this.requests.push(`${req.method} ${url.pathname}${url.search.replace(/sig=[^&]*/, 'sig=***')}`);
    if (req.method === 'POST' && url.pathname.startsWith(SERVICE)) return this.twirp(req, res, url, body);
    if (req.method === 'PUT' && url.pathname.startsWith('/devstoreaccount1/artifacts/'))
      return this.blob(res, url, body);
    res.writeHead(404).end();
  }

  private twirp(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const json = (status: number, value: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return json(401, { code: 'unauthenticated', msg: 'bad token' });
    const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const method = url.pathname.slice(SERVICE.length);
    const name = String(request.name ?? '');
    if (method === 'CreateArtifact') {
      if (this.failCreate) return json(this.failCreate.status, { code: 'failed', msg: this.failCreate.msg });
      if (this.artifacts.has(name)) return json(409, { code: 'already_exists', msg: 'artifact exists' });
      this.artifacts.set(name, { name, createRequest: request, blocksStaged: 0 });
      const blobUrl = `${this.url}devstoreaccount1/artifacts/${encodeURIComponent(name)}.zip?sv=2023&sig=fakesig`;
      return json(200, { ok: true, signed_upload_url: blobUrl });
    }
    if (method === 'FinalizeArtifact') {
      const artifact = this.artifacts.get(name);
      if (!artifact?.blob) return json(404, { code: 'not_found', msg: 'nothing uploaded' });
      artifact.finalizeRequest = request;
      return json(200, { ok: true, artifact_id: '4711' });
    }
    return json(404, { code: 'bad_route', msg: method });
  }

  private blob(res: ServerResponse, url: URL, body: Buffer): void {
    if (url.searchParams.get('sig') !== 'fakesig') {
      res.writeHead(403).end();
      return;
    }
    const name = decodeURIComponent(
      url.pathname
        .split('/')
        .pop()!
        .replace(/\.zip$/, ''),
    );
    const artifact = this.artifacts.get(name);
    if (!artifact) {
      res.writeHead(404).end();
      return;
    }
    const staged = this.blocks.get(name) ?? new Map<string, Buffer>();
    this.blocks.set(name, staged);
    const comp = url.searchParams.get('comp');
    if (comp === 'block') {
      staged.set(url.searchParams.get('blockid')!, body);
      artifact.blocksStaged++;
    } else if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g)].map(
        (m) => m[1]!,
      );
      const missing = ids.filter((id) => !staged.has(id));
      if (missing.length > 0) {
        res.writeHead(400).end();
        return;
      }
      artifact.blob = Buffer.concat(ids.map((id) => staged.get(id)!));
    } else {
      artifact.blob = body;
    }
    res.writeHead(201, {
      etag: '"0x1"',
      'last-modified': new Date().toUTCString(),
      'x-ms-request-id': 'fake',
      'x-ms-version': '2025-01-05',
      'x-ms-request-server-encrypted': 'true',
    });
    res.end();
  }
}

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
