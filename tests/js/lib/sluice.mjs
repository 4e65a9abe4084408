// Starts the `sluice` binary for a test file and builds Kinesis clients for it.
//
// The binary comes from SLUICE_BIN (scripts/js-tests.sh sets it). Each server listens on a
// free loopback port with its admin listener on another, keeps its data in a fresh
// temporary directory, and is ready once the admin listener's /ready answers 200.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, openSync, closeSync, readFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";

import { DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttp2Handler } from "@smithy/node-http-handler";

export const REGION = "us-east-1";
export const ACCOUNT_ID = "000000000000";
export const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

const STARTUP_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

function binary() {
  const bin = process.env.SLUICE_BIN;
  if (!bin) {
    throw new Error("SLUICE_BIN is not set: run the tests through scripts/js-tests.sh");
  }
  if (!existsSync(bin)) {
    throw new Error(`no sluice binary at ${bin}`);
  }
  return bin;
}

/** A loopback port nothing listens on at the moment. */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A started server: `endpoint`, `admin`, `stop()`, `output()`. With `tls`, it also serves
 * HTTPS with a self-signed certificate: `tlsEndpoint`, and `ca()` the certificate's PEM.
 * `testClock` puts the server on the hand-driven clock that `advanceClock` moves.
 */
export async function startSluice({ tls = false, testClock = false } = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const tlsPort = tls ? await freePort() : null;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "sluice-js-"));
  const logPath = path.join(dataDir, "sluice.log");
  const log = openSync(logPath, "w");
  const args = [
    "--listen", `127.0.0.1:${port}`,
    "--admin-listen", `127.0.0.1:${adminPort}`,
    "--data-dir", path.join(dataDir, "data"),
  ];
  if (tls) args.push("--tls-listen", `127.0.0.1:${tlsPort}`, "--tls-self-signed");
  if (testClock) args.push("--test-clock");
  const child = spawn(
    binary(),
    args,
    {
      stdio: ["ignore", log, log],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn", NO_COLOR: "1" },
    },
  );
  closeSync(log);
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  const output = () => readFileSync(logPath, "utf8");
  const server = {
    endpoint: `http://127.0.0.1:${port}`,
    admin: `http://127.0.0.1:${adminPort}`,
    tlsEndpoint: tls ? `https://127.0.0.1:${tlsPort}` : null,
    ca: () => readFileSync(path.join(dataDir, "data", "tls", "self-signed-cert.pem"), "utf8"),
    output,
    /** Moves the test clock `ms` milliseconds on. */
    async advanceClock(ms) {
      const res = await fetch(`${server.admin}/test-clock/advance?ms=${ms}`, { method: "POST" });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`advancing the test clock: ${res.status} ${text}`);
    },
    /**
     * Stops the server with SIGTERM (SIGKILL if it has not exited 10 s later) and removes
     * its data; answers how it exited: `{ code, signal }`.
     */
    async stop() {
      if (exited === null) {
        const exit = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), SHUTDOWN_TIMEOUT_MS);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      return exited;
    },
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited !== null) {
      const text = output();
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`sluice exited (${JSON.stringify(exited)}) before it was ready:\n${text}`);
    }
    try {
      const res = await fetch(`${server.admin}/ready`);
      await res.arrayBuffer();
      if (res.status === 200) {
        return server;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const text = output();
      await server.stop();
      throw new Error(`sluice was not ready within ${STARTUP_TIMEOUT_MS} ms:\n${text}`);
    }
    await sleep(50);
  }
}

/**
 * A Kinesis client for `server` over HTTP/2 (h2c with prior knowledge: Node's http2 client
 * on an http:// URL). `handlerOptions` go to the NodeHttp2Handler; by default they are the
 * SDK's own (one stream per session). `sessions` collects every HTTP/2 session the handler
 * opens, so a test can check what the connection spoke. `endpoint` replaces the server's
 * plain one (its HTTPS one, say).
 */
export function kinesisClient(
  server,
  handlerOptions = { disableConcurrentStreams: true },
  endpoint = server.endpoint,
) {
  const handler = new NodeHttp2Handler(handlerOptions);
  const sessions = [];
  const connect = handler.connectionManager.connect.bind(handler.connectionManager);
  handler.connectionManager.connect = (url) => {
    const session = connect(url);
    sessions.push(session);
    return session;
  };
  const client = new KinesisClient({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: handler,
    maxAttempts: 1,
  });
  return { client, handler, sessions };
}

/** One POST over a fresh h2c session with prior knowledge; answers status, headers, body. */
export async function rawHttp2Request(server, headers, body) {
  const session = http2.connect(server.endpoint);
  try {
    session.on("error", () => {});
    const stream = session.request({ ":method": "POST", ":path": "/", ...headers });
    stream.end(body);
    const [responseHeaders] = await once(stream, "response");
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    return {
      status: responseHeaders[":status"],
      headers: responseHeaders,
      body: Buffer.concat(chunks),
      alpnProtocol: session.alpnProtocol,
    };
  } finally {
    session.close();
  }
}

/** A stream name no other test uses. */
export function uniqueName(prefix) {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Waits until `check()` answers something truthy (polling every 50 ms, 10 s at most). */
export async function eventually(check, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(50);
  }
}

/** Waits for the stream to be ACTIVE and answers its summary. */
export async function waitActive(client, streamName) {
  return eventually(async () => {
    const { StreamDescriptionSummary: s } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    return s.StreamStatus === "ACTIVE" ? s : null;
  }, `${streamName} to be ACTIVE`);
}

/** Answers the error `promise` rejects with (failing when it resolves). */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

export { sleep };
