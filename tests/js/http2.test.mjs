// The connection itself: Kinesis over cleartext HTTP/2 with prior knowledge, first with
// Node's http2 client by hand, then with the SDK's NodeHttp2Handler sharing one session
// between concurrent requests; and over TLS, where ALPN chooses h2.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import {
  CreateStreamCommand,
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";

import { kinesisClient, rawHttp2Request, startSluice, uniqueName, waitActive } from "./lib/sluice.mjs";

let server;

before(async () => {
  server = await startSluice({ tls: true });
});

after(async () => {
  await server?.stop();
});

test("h2c with prior knowledge: a JSON 1.1 request answered over HTTP/2", async () => {
  const res = await rawHttp2Request(
    server,
    {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Kinesis_20131202.DescribeLimits",
    },
    "{}",
  );
  assert.equal(res.alpnProtocol, "h2c");
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "application/x-amz-json-1.1");
  assert.ok(res.headers["x-amzn-requestid"], "a request id");
  const limits = JSON.parse(res.body.toString("utf8"));
  assert.equal(typeof limits.ShardLimit, "number");

  const missing = await rawHttp2Request(
    server,
    {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Kinesis_20131202.DescribeStreamSummary",
    },
    JSON.stringify({ StreamName: "nothing-here" }),
  );
  assert.equal(missing.status, 400);
  const error = JSON.parse(missing.body.toString("utf8"));
  assert.equal(error.__type, "ResourceNotFoundException");
  assert.equal(error.message, "Stream nothing-here under account 000000000000 not found.");
});

test("the SDK's HTTP/2 handler multiplexes concurrent requests on one session", async () => {
  const { client, sessions } = kinesisClient(server, { disableConcurrentStreams: false });
  try {
    const name = uniqueName("h2");
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitActive(client, name);
    const payloads = Array.from({ length: 20 }, (_, i) => new Uint8Array([i, 255 - i, i]));
    const puts = await Promise.all(
      payloads.map((Data) =>
        client.send(new PutRecordCommand({ StreamName: name, PartitionKey: "p", Data })),
      ),
    );
    assert.equal(new Set(puts.map((p) => p.SequenceNumber)).size, payloads.length);
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: "shardId-000000000000",
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
    // Each record's bytes are those its PutRecord sent, whatever order they landed in.
    const sent = new Map(puts.map((p, i) => [p.SequenceNumber, Buffer.from(payloads[i])]));
    assert.equal(Records.length, payloads.length);
    for (const r of Records) assert.deepEqual(Buffer.from(r.Data), sent.get(r.SequenceNumber));

    const { StreamNames } = await client.send(new ListStreamsCommand({}));
    assert.ok(StreamNames.includes(name));
    await client.send(new DeleteStreamCommand({ StreamName: name }));

    assert.equal(sessions.length, 1, "one HTTP/2 session carried every request");
    assert.equal(sessions[0].alpnProtocol, "h2c");
  } finally {
    client.destroy();
  }
});

test("over TLS the SDK's handler gets h2 by ALPN", async () => {
  const { client, sessions } = kinesisClient(
    server,
    { disableConcurrentStreams: true, nodeHttp2ConnectOptions: { ca: server.ca() } },
    server.tlsEndpoint,
  );
  try {
    const name = uniqueName("tls");
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitActive(client, name);
    const data = new Uint8Array([0, 0xff, 0x10]);
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: "p", Data: data }));
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: "shardId-000000000000",
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
    assert.deepEqual(Records.map((r) => Buffer.from(r.Data)), [Buffer.from(data)]);
    await client.send(new DeleteStreamCommand({ StreamName: name }));
    assert.ok(sessions.length > 0);
    for (const session of sessions) {
      assert.equal(session.alpnProtocol, "h2");
      assert.equal(session.encrypted, true);
    }
  } finally {
    client.destroy();
  }
});
