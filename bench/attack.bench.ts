/**
 * Anonymous attacks on a running server, each measured by what it does to `/healthz` (the event loop): a
 * probe asks `/healthz` every 50 ms on a connection of its own while the attack runs and prints its max
 * and p99 latency, with the load average before and after (the machine is shared: read the figures
 * beside it). Issue 19, item 4 and its relatives.
 *
 *   npm run bench:attack -- <url> <mode> [seconds] [clients]
 *
 *   modes: history   clients varying accessChanges dates
 *          dated     clients varying asOf and at on accessIndicators, and at= on tiles
 *          report    one municipality report (run it first after a start, then after a write)
 *          polygon   one accessIndicators over a 19,000-vertex polygon per client, in turn (POLYGON_VERTICES)
 *          ogc       the OGC API counties collection (cold after a start)
 *          combined  every mode above at once, one client each (and a second history and dated client)
 *          slow      a few thousand connections trickling one byte of a request every few seconds
 *          idle      nothing: the probe alone (the baseline)
 *
 * e.g. `npm run bench:attack -- http://127.0.0.1:44001 history 30 4`. The server is started apart (a
 * child of nothing here), so its event loop is the only thing measured.
 */
import { readFileSync } from 'node:fs';
import { type Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

const [url = 'http://127.0.0.1:4000', mode = 'idle', secondsArg = '30', clientsArg = '4'] =
  process.argv.slice(2);
const SECONDS = Number(secondsArg);
const CLIENTS = Number(clientsArg);
const base = new URL(url);

function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

interface Answer {
  status: number;
  ms: number;
  body: string;
}

/** One HTTP request (its own agent, so the probe never waits behind an attack's socket). */
function send(path: string, body?: string, agent?: Agent, timeoutMs = 120_000): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        agent: agent ?? false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 4096) text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, body: e.message }));
    req.end(body);
  });
}

const graphql = (query: string, variables: Record<string, unknown> = {}) =>
  send('/graphql', JSON.stringify({ query, variables }));

const rnd = (n: number) => Math.floor(Math.random() * n);
const pad = (n: number) => String(n).padStart(2, '0');
const randomDate = () => `${2015 + rnd(12)}-${pad(1 + rnd(12))}-${pad(1 + rnd(28))}`;
const randomInstant = () => `${randomDate()}T${pad(rnd(24))}:${pad(rnd(60))}:00+01:00`;

/** A regular 19,000-vertex polygon around Dalarna (a valid ring, the first position repeated). */
function bigPolygon(vertices = 19_000): { type: 'Polygon'; coordinates: number[][][] } {
  const ring: number[][] = [];
  // A new centre each time, so no cache answers it.
  const [x, y] = [15 + Math.random() * 0.2, 61 + Math.random() * 0.2];
  for (let i = 0; i < vertices - 1; i++) {
    const a = (2 * Math.PI * i) / (vertices - 1);
    // A wobble keeps neighbouring vertices from being collinear (PostGIS keeps every one).
    const r = 1 + 0.02 * Math.sin(37 * a);
    ring.push([x + 1.6 * r * Math.cos(a), y + 0.8 * r * Math.sin(a)]);
  }
  ring.push(ring[0]!);
  return { type: 'Polygon', coordinates: [ring] };
}

let closed = false;
/** Closes (then reopens, alternately) service point 1: a write that makes a new data version. */
async function toggleAPoint(token: string): Promise<Answer> {
  closed = !closed;
  const body = JSON.stringify({
    query: closed
      ? 'mutation { closeServicePoint(id: "1") { servicePoint { id } } }'
      : 'mutation { reopenServicePoint(id: "1") { servicePoint { id } } }',
  });
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: text }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, body: e.message }));
    req.end(body);
  });
}

type Attack = (stop: () => boolean, log: (a: Answer, what: string) => void) => Promise<void>;

const ATTACKS: Record<string, Attack> = {
  history: async (stop, log) => {
    while (!stop()) {
      const [a, b] = [randomDate(), randomDate()].sort();
      const r = await graphql(
        `query($f: Date!, $t: Date!) { accessChanges(serviceType: "PHARMACY", from: $f, to: $t) {
          populationLosingAccess indicatorDeltas { areaCode } } }`,
        { f: a, t: b },
      );
      log(r, 'accessChanges');
    }
  },
  dated: async (stop, log) => {
    let i = 0;
    while (!stop()) {
      i++;
      if (i % 3 === 0) {
        const r = await send(`/tiles/settlements/8/137/71.mvt?at=${encodeURIComponent(randomInstant())}`);
        log(r, 'tile at');
        continue;
      }
      const r = await graphql(
        `query($asOf: Date, $at: DateTime) { accessIndicators(groupBy: MUNICIPALITY, asOf: $asOf, at: $at,
          serviceTypes: ["PHARMACY", "GROCERY"]) { areaCode populationBeyondThreshold } }`,
        i % 3 === 1 ? { asOf: randomDate() } : { at: randomInstant() },
      );
      log(r, i % 3 === 1 ? 'indicators asOf' : 'indicators at');
    }
  },
  report: async (stop, log) => {
    let first = true;
    while (first || !stop()) {
      first = false;
      // With WRITE_TOKEN (an admin key of the server): a write before each report, as after an edit.
      if (process.env.WRITE_TOKEN) log(await toggleAPoint(process.env.WRITE_TOKEN), 'write');
      log(await send('/reports/municipality/2085'), 'report');
    }
  },
  polygon: async (stop, log) => {
    while (!stop()) {
      const polygon = bigPolygon(Number(process.env.POLYGON_VERTICES ?? 19_000));
      const r = await graphql(
        `query($p: JSON) { accessIndicators(groupBy: MUNICIPALITY, serviceTypes: ["PHARMACY"], area: { polygon: $p })
          { areaCode populationBeyondThreshold } }`,
        { p: polygon },
      );
      log(r, 'polygon');
    }
  },
  ogc: async (stop, log) => {
    let first = true;
    while (first || !stop()) {
      // The first as it comes (the cold build); then other thresholds, each another indicator table.
      const minutes = first ? '' : `&minutes=${5 + rnd(60)}`;
      log(await send(`/ogc/collections/counties/items?f=json&limit=5${minutes}`), 'ogc counties');
      first = false;
    }
  },
};

/** Thousands of connections, each sending one byte of a request line every few seconds. */
async function slowConnections(stop: () => boolean, count: number): Promise<string> {
  const sockets: Socket[] = [];
  let refused = 0;
  let closedByServer = 0;
  for (let i = 0; i < count && !stop(); i++) {
    // From 127.0.1.x, 100 connections per address (under the per-address cap, so the server's total
    // connection cap is what they meet); the probe stays on 127.0.0.1, another client.
    const localAddress = `127.0.1.${1 + Math.floor(i / 100)}`;
    const s = connect({ host: base.hostname, port: Number(base.port), localAddress });
    s.on('error', () => refused++);
    s.on('close', () => closedByServer++);
    s.write('G');
    sockets.push(s);
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50));
  }
  const line = 'ET / HTTP/1.1\r\nHost: x\r\nX-a: ';
  let k = 0;
  while (!stop()) {
    await new Promise((r) => setTimeout(r, 3_000));
    const byte = line[Math.min(k++, line.length - 1)]!;
    for (const s of sockets) if (!s.destroyed) s.write(byte);
  }
  for (const s of sockets) s.destroy();
  return `${sockets.length} slow connections opened, ${refused} errors, ${closedByServer} closed`;
}

async function main(): Promise<void> {
  const health = await send('/healthz');
  if (health.status !== 200) throw new Error(`${url}/healthz answered ${health.status}: ${health.body}`);
  console.log(`attack ${mode} on ${url}: ${SECONDS} s, ${CLIENTS} client(s); loadavg before ${loadavg()}`);
  const t0 = performance.now();
  const stop = () => performance.now() - t0 > SECONDS * 1000;
  const probe: number[] = [];
  /** Probes sent after the first 5 s (the steady state, once the caches a mode fills are warm). */
  const steady: number[] = [];
  const probing = (async () => {
    while (!stop()) {
      const sent = performance.now() - t0;
      const r = await send('/healthz', undefined, undefined, 120_000);
      const ms = r.status === 200 ? r.ms : Number.POSITIVE_INFINITY;
      probe.push(ms);
      if (sent > 5_000) steady.push(ms);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  const answers = new Map<string, { n: number; max: number; sum: number; statuses: Set<string> }>();
  const log = (a: Answer, what: string) => {
    let s = answers.get(what);
    if (!s) {
      s = { n: 0, max: 0, sum: 0, statuses: new Set() };
      answers.set(what, s);
    }
    s.n++;
    s.max = Math.max(s.max, a.ms);
    s.sum += a.ms;
    const code = /"code":"([A-Z_]+)"/.exec(a.body)?.[1];
    s.statuses.add(code ? `${a.status} ${code}` : String(a.status));
  };
  let extra = '';
  const runs: Promise<unknown>[] = [];
  if (mode === 'combined') {
    for (const name of ['history', 'history', 'dated', 'dated', 'report', 'polygon', 'ogc'])
      runs.push(ATTACKS[name]!(stop, log));
  } else if (mode === 'slow') {
    runs.push(slowConnections(stop, CLIENTS).then((s) => (extra = s)));
  } else if (mode !== 'idle') {
    const attack = ATTACKS[mode];
    if (!attack) throw new Error(`unknown mode ${mode}`);
    for (let i = 0; i < CLIENTS; i++) runs.push(attack(stop, log));
  }
  await Promise.all([...runs, probing]);
  const sorted = [...probe].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  const steadyMax = steady.reduce((m, v) => Math.max(m, v), 0);
  const failed = probe.filter((v) => v === Number.POSITIVE_INFINITY).length;
  if (failed > 0) console.log(`/healthz: ${failed} of ${probe.length} probes not answered 200`);
  console.log(
    `/healthz: ${probe.length} probes, max ${max.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max after the first 5 s ${steadyMax.toFixed(0)} ms; loadavg after ${loadavg()}`,
  );
  for (const [what, s] of answers) {
    console.log(
      `  ${what}: ${s.n} answers, mean ${(s.sum / s.n).toFixed(0)} ms, max ${s.max.toFixed(0)} ms, status ${[...s.statuses].join(', ')}`,
    );
  }
  if (extra) console.log(`  ${extra}`);
}

await main();
