// Time the official TypeScript SDK's own stdout reader on a file (driven by `cargo xtask bench parse`).
//
// usage: node parse_ts.mjs --sdk <path to sdk.mjs> throughput FILE [--runs N] [--warmup W]
//        node parse_ts.mjs --sdk <path to sdk.mjs> bigline FILE
//
// The SDK is one minified bundle; its CLI reader is the ProcessTransport class, whose
// readMessages() runs `readline.createInterface({input: child.stdout})` and, for every non-blank
// line, the SDK's JSON.parse wrapper. The class is not exported, so it is reached through the
// public API: `query()` with the public `spawnClaudeCodeProcess` option returns a Query whose
// `transport` is a ProcessTransport; its constructor and the options the SDK built are reused to
// make fresh transports. Two things are timed, both on SDK code only:
//   * transport: `transport.readMessages()` until it ends (framing + JSON parsing);
//   * query: the public `query()` iterated to its end: the transport plus the Query's routing of
//     control messages and its async iterator (what an application sees).
// The only stand-in is the child: the object `spawnClaudeCodeProcess` returns, whose stdout is a
// Readable serving the file in 64 KiB Buffers (what a pipe read returns), whose stdin swallows
// writes (and answers `initialize`, for query), and which reports exit code 0 after stdout ends.
// Nothing is spawned. Prints one JSON object on stdout.

import { EventEmitter } from 'node:events';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const CHUNK = 64 * 1024;

function usage() {
  process.stderr.write('usage: node parse_ts.mjs --sdk SDK_MJS (throughput FILE [--runs N] [--warmup W] | bigline FILE)\n');
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv[0] !== '--sdk' || argv.length < 4) usage();
const [, sdkPath, mode, file] = argv;
const opts = { '--runs': 5, '--warmup': 0 };
for (let i = 4; i < argv.length; i += 2) {
  if (!(argv[i] in opts) || !(Number(argv[i + 1]) >= 0)) usage();
  opts[argv[i]] = Number(argv[i + 1]);
}
const runs = Math.max(1, opts['--runs']);
const warmup = opts['--warmup'];
if (!['throughput', 'bigline'].includes(mode)) usage();
const sdk = await import(pathToFileURL(sdkPath).href);

/** A stand-in for the spawned CLI: stdout is `makeStdout()`. With `answerInitialize`, stdout
 * first carries the reply to the SDK's initialize control request, then the data. */
function fakeChild(makeStdout, { answerInitialize = false } = {}) {
  const events = new EventEmitter();
  const child = {
    killed: false,
    exitCode: null,
    signalCode: null,
    kill() {
      child.killed = true;
      return true;
    },
    on: (e, f) => events.on(e, f),
    once: (e, f) => events.once(e, f),
    off: (e, f) => events.off(e, f),
  };
  const stdout = answerInitialize ? new PassThrough() : makeStdout();
  stdout.once('end', () => {
    child.exitCode = 0;
    setImmediate(() => events.emit('exit', 0, null));
  });
  let pending = '';
  let answered = !answerInitialize;
  child.stdout = stdout;
  child.stdin = new Writable({
    write(chunk, _enc, cb) {
      pending = answered ? '' : pending + chunk.toString('utf8');
      let nl;
      while (!answered && (nl = pending.indexOf('\n')) >= 0) {
        const msg = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (msg.type === 'control_request' && msg.request?.subtype === 'initialize') {
          answered = true;
          const reply = { subtype: 'success', request_id: msg.request_id, response: {} };
          stdout.write(JSON.stringify({ type: 'control_response', response: reply }) + '\n');
          makeStdout().pipe(stdout);
        }
      }
      cb();
    },
  });
  return child;
}

/** The file (already in memory) as 64 KiB Buffers, without copying. */
function memoryStream(buf) {
  let off = 0;
  return new Readable({
    read() {
      if (off >= buf.length) {
        this.push(null);
        return;
      }
      const end = Math.min(off + CHUNK, buf.length);
      this.push(buf.subarray(off, end));
      off = end;
    },
  });
}

/** A prompt stream that never sends anything and ends when told to. */
function silentPrompt() {
  let finish;
  const done = new Promise((r) => (finish = r));
  async function* gen() {
    await done;
  }
  return { prompt: gen(), finish };
}

const baseOptions = {
  // Never run: every process comes from spawnClaudeCodeProcess.
  pathToClaudeCodeExecutable: 'claude',
  persistSession: false,
  env: { PATH: process.env.PATH ?? '' },
};

/** The ProcessTransport class and the options object the SDK builds for it, from a public query(). */
async function transportClass() {
  const silent = silentPrompt();
  const q = sdk.query({
    prompt: silent.prompt,
    options: {
      ...baseOptions,
      spawnClaudeCodeProcess: () => fakeChild(() => memoryStream(Buffer.alloc(0))),
    },
  });
  const transport = q.transport;
  if (!transport || typeof transport.readMessages !== 'function' || !transport.options) {
    throw new Error('query().transport is not a ProcessTransport: the SDK changed shape');
  }
  const Transport = transport.constructor;
  const options = transport.options;
  silent.finish();
  for await (const _ of q) {
    // drain
  }
  return { Transport, options };
}

async function viaTransport(Transport, options, makeStdout) {
  const t = new Transport({
    ...options,
    deferSpawn: false,
    abortController: new AbortController(),
    spawnClaudeCodeProcess: () => fakeChild(makeStdout),
  });
  let n = 0;
  for await (const msg of t.readMessages()) {
    if (msg && typeof msg === 'object') n++;
  }
  return n;
}

async function viaQuery(makeStdout) {
  const silent = silentPrompt();
  const q = sdk.query({
    prompt: silent.prompt,
    options: {
      ...baseOptions,
      spawnClaudeCodeProcess: () => fakeChild(makeStdout, { answerInitialize: true }),
    },
  });
  let n = 0;
  for await (const msg of q) {
    if (msg && typeof msg === 'object') n++;
  }
  silent.finish();
  return n;
}

const { Transport, options } = await transportClass();
const kib = () => process.resourceUsage().maxRSS;
const result = { node: process.version, sdk: JSON.parse(readFileSync(new URL('package.json', pathToFileURL(sdkPath)), 'utf8')).version };

if (mode === 'throughput') {
  const data = readFileSync(file);
  result.bytes = data.length;
  result.transport_secs = [];
  result.query_secs = [];
  for (let i = 0; i < warmup; i++) {
    await viaTransport(Transport, options, () => memoryStream(data));
    await viaQuery(() => memoryStream(data));
  }
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    result.transport_messages = await viaTransport(Transport, options, () => memoryStream(data));
    result.transport_secs.push((performance.now() - start) / 1000);
    start = performance.now();
    result.query_messages = await viaQuery(() => memoryStream(data));
    result.query_secs.push((performance.now() - start) / 1000);
  }
} else {
  // The line is read from the file in 64 KiB pieces, as from a pipe: only the SDK holds it.
  const before = kib();
  const start = performance.now();
  let outcome;
  try {
    const n = await viaTransport(Transport, options, () => createReadStream(file, { highWaterMark: CHUNK }));
    outcome = `parsed ${n} message(s)`;
  } catch (e) {
    outcome = `fails: ${e?.name}: ${String(e?.message).slice(0, 160)}`;
  }
  result.secs = (performance.now() - start) / 1000;
  result.line_bytes = Math.max(0, statSync(file).size - 1);
  result.outcome = outcome;
  result.rss_before_kib = before;
  result.max_rss_kib = kib();
}
process.stdout.write(JSON.stringify(result) + '\n');
// The SDK may leave timers behind (e.g. its exit grace period); don't wait for them.
process.exit(0);
