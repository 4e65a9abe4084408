// SubscribeToShard from the JavaScript SDK v3: an event stream over HTTP/2, read as the
// SDK's async iterable of SubscribeToShardEvent events. The server runs on the test clock,
// so the five-second rule is tested by moving the clock rather than by sleeping.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamConsumerCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  SplitShardCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";

import { eventually, kinesisClient, rejection, startSluice, uniqueName, waitActive } from "./lib/sluice.mjs";

// A guard against a stream that never delivers, not a measurement.
const TEST_TIMEOUT_MS = 60_000;

let server;
let client;
let sessions;

before(async () => {
  server = await startSluice({ testClock: true });
  ({ client, sessions } = kinesisClient(server));
});

after(async () => {
  client?.destroy();
  // Event streams run on sessions of their own, outside the handler's pool.
  for (const session of sessions ?? []) session.destroy();
  await server?.stop();
});

const HALF = (1n << 127n).toString();

/** A stream of `shards` shards with an ACTIVE consumer; answers its ARNs. */
async function streamWithConsumer(shards = 1) {
  const name = uniqueName("sub");
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const { StreamARN } = await waitActive(client, name);
  const { Consumer } = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "efo" }),
  );
  await eventually(async () => {
    const { ConsumerDescription: c } = await client.send(
      new DescribeStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }),
    );
    return c.ConsumerStatus === "ACTIVE";
  }, "the consumer to be ACTIVE");
  return { name, StreamARN, ConsumerARN: Consumer.ConsumerARN };
}

/**
 * Subscribes; answers the SDK's response, a `next()` that answers the next
 * SubscribeToShardEvent (or `null` once the stream has ended), and `close()`.
 */
async function subscribe(input) {
  const controller = new AbortController();
  const response = await client.send(new SubscribeToShardCommand(input), {
    abortSignal: controller.signal,
  });
  const iterator = response.EventStream[Symbol.asyncIterator]();
  return {
    response,
    async next() {
      const { value, done } = await iterator.next();
      if (done) return null;
      assert.deepEqual(Object.keys(value), ["SubscribeToShardEvent"], JSON.stringify(value));
      return value.SubscribeToShardEvent;
    },
    close() {
      controller.abort();
    },
  };
}

/** Reads events until `count` records have come; answers the events. */
async function readRecords(subscription, count) {
  const events = [];
  let seen = 0;
  while (seen < count) {
    const event = await subscription.next();
    assert.ok(event, `the stream ended after ${seen} of ${count} records`);
    events.push(event);
    seen += event.Records.length;
  }
  return events;
}

async function put(name, data, hashKey = "0") {
  const { SequenceNumber } = await client.send(
    new PutRecordCommand({ StreamName: name, PartitionKey: "k", ExplicitHashKey: hashKey, Data: data }),
  );
  return SequenceNumber;
}

test("LATEST: the first event at once, then records put after subscribing", { timeout: TEST_TIMEOUT_MS }, async () => {
  const { name, ConsumerARN } = await streamWithConsumer(1);
  const before = await put(name, new Uint8Array([9, 9]));
  const sub = await subscribe({
    ConsumerARN,
    ShardId: "shardId-000000000000",
    StartingPosition: { Type: "LATEST" },
  });
  assert.equal(sub.response.$metadata.httpStatusCode, 200);

  // The first event comes without waiting for records: none yet, since LATEST.
  const first = await sub.next();
  assert.deepEqual(first.Records, []);
  assert.equal(typeof first.MillisBehindLatest, "number");
  assert.ok(first.MillisBehindLatest >= 0);
  assert.ok(BigInt(first.ContinuationSequenceNumber) >= BigInt(before));
  assert.equal(first.ChildShards, undefined);

  // A second subscription of the same consumer to the same shard within 5 s is refused.
  const again = await rejection(
    client.send(
      new SubscribeToShardCommand({
        ConsumerARN,
        ShardId: "shardId-000000000000",
        StartingPosition: { Type: "LATEST" },
      }),
    ),
  );
  assert.ok(again instanceof ResourceInUseException, `${again.name}: ${again.message}`);
  assert.equal(again.$metadata.httpStatusCode, 400);

  const payloads = [
    new Uint8Array([0, 1, 2, 0xfe, 0xff]),
    new Uint8Array(1000).map((_, i) => (i * 7) & 0xff),
    new Uint8Array([0x80]),
  ];
  const sequences = [];
  for (const data of payloads) sequences.push(await put(name, data));

  const events = await readRecords(sub, payloads.length);
  const records = events.flatMap((e) => e.Records);
  assert.deepEqual(records.map((r) => r.SequenceNumber), sequences);
  assert.deepEqual(
    records.map((r) => Buffer.from(r.Data)),
    payloads.map((p) => Buffer.from(p)),
  );
  for (const r of records) {
    assert.ok(r.Data instanceof Uint8Array);
    assert.equal(r.PartitionKey, "k");
    assert.ok(r.ApproximateArrivalTimestamp instanceof Date);
  }
  for (const event of events) {
    // Each event goes on from its last record.
    assert.equal(event.ContinuationSequenceNumber, event.Records.at(-1).SequenceNumber);
    assert.equal(typeof event.MillisBehindLatest, "number");
    assert.equal(event.ChildShards, undefined);
  }
  sub.close();

  // The subscription travelled over HTTP/2 like every other call.
  assert.ok(sessions.length > 0);
  for (const session of sessions) assert.equal(session.alpnProtocol, "h2c");
  await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
});

test("TRIM_HORIZON: records kept before subscribing, then new ones", { timeout: TEST_TIMEOUT_MS }, async () => {
  const { name, ConsumerARN } = await streamWithConsumer(2);
  const kept = [await put(name, new Uint8Array([1])), await put(name, new Uint8Array([2]))];
  // A record on the other shard is not this subscription's.
  const elsewhere = await put(name, new Uint8Array([3]), HALF);

  const sub = await subscribe({
    ConsumerARN,
    ShardId: "shardId-000000000000",
    StartingPosition: { Type: "TRIM_HORIZON" },
  });
  const first = await sub.next();
  assert.deepEqual(first.Records.map((r) => r.SequenceNumber), kept);
  assert.deepEqual(first.Records.map((r) => [...r.Data]), [[1], [2]]);
  assert.equal(first.ContinuationSequenceNumber, kept[1]);

  const more = await put(name, new Uint8Array([4, 5, 6]));
  const [event] = await readRecords(sub, 1);
  assert.deepEqual(event.Records.map((r) => r.SequenceNumber), [more]);
  assert.deepEqual([...event.Records[0].Data], [4, 5, 6]);
  assert.equal(event.ContinuationSequenceNumber, more);
  sub.close();

  // The other shard is a subscription of its own, allowed at once; AT_SEQUENCE_NUMBER.
  const other = await subscribe({
    ConsumerARN,
    ShardId: "shardId-000000000001",
    StartingPosition: { Type: "AT_SEQUENCE_NUMBER", SequenceNumber: elsewhere },
  });
  const otherFirst = await other.next();
  assert.deepEqual(otherFirst.Records.map((r) => r.SequenceNumber), [elsewhere]);
  assert.deepEqual(otherFirst.Records.map((r) => [...r.Data]), [[3]]);
  other.close();

  await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
});

test("a split shard delivers what is left, then its children, and the stream ends", { timeout: TEST_TIMEOUT_MS }, async () => {
  const { name, ConsumerARN } = await streamWithConsumer(1);
  const sequences = [];
  for (const byte of [10, 11, 12]) sequences.push(await put(name, new Uint8Array([byte])));
  await client.send(
    new SplitShardCommand({
      StreamName: name,
      ShardToSplit: "shardId-000000000000",
      NewStartingHashKey: HALF,
    }),
  );
  await waitActive(client, name);

  const sub = await subscribe({
    ConsumerARN,
    ShardId: "shardId-000000000000",
    StartingPosition: { Type: "TRIM_HORIZON" },
  });
  const events = [];
  for (let event = await sub.next(); event; event = await sub.next()) events.push(event);
  const records = events.flatMap((e) => e.Records);
  assert.deepEqual(records.map((r) => r.SequenceNumber), sequences);
  assert.deepEqual(records.map((r) => [...r.Data]), [[10], [11], [12]]);
  const last = events.at(-1);
  assert.equal(last.ContinuationSequenceNumber, undefined);
  assert.deepEqual(
    last.ChildShards.map((c) => c.ShardId).sort(),
    ["shardId-000000000001", "shardId-000000000002"],
  );
  for (const child of last.ChildShards) {
    assert.deepEqual(child.ParentShards, ["shardId-000000000000"]);
    assert.ok(child.HashKeyRange.StartingHashKey);
  }
  for (const event of events.slice(0, -1)) {
    assert.ok(event.ContinuationSequenceNumber);
    assert.equal(event.ChildShards, undefined);
  }

  // A shard that does not exist is refused before any stream starts.
  const missing = await rejection(
    client.send(
      new SubscribeToShardCommand({
        ConsumerARN,
        ShardId: "shardId-000000000042",
        StartingPosition: { Type: "LATEST" },
      }),
    ),
  );
  assert.ok(missing instanceof ResourceNotFoundException, `${missing.name}: ${missing.message}`);

  await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
});

test("five seconds later a new subscription takes over, going on where the last left off", { timeout: TEST_TIMEOUT_MS }, async () => {
  const { name, ConsumerARN } = await streamWithConsumer(1);
  const shard = { ConsumerARN, ShardId: "shardId-000000000000" };
  const first = await subscribe({ ...shard, StartingPosition: { Type: "LATEST" } });
  await first.next();
  const seen = await put(name, new Uint8Array([1]));
  const [event] = await readRecords(first, 1);
  const continuation = event.ContinuationSequenceNumber;
  assert.equal(continuation, seen);

  const tooSoon = await rejection(
    client.send(new SubscribeToShardCommand({ ...shard, StartingPosition: { Type: "LATEST" } })),
  );
  assert.ok(tooSoon instanceof ResourceInUseException, tooSoon.name);
  assert.match(tooSoon.message, /shardId-000000000000/);

  const unseen = await put(name, new Uint8Array([2]));
  await server.advanceClock(5_000);
  const resumed = await subscribe({
    ...shard,
    StartingPosition: { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: continuation },
  });
  // The newer subscription takes over: the older stream, still open, ends (after what it
  // may still have had to send).
  for (let e = await first.next(); e; e = await first.next()) {
    assert.ok(e.Records.every((r) => r.SequenceNumber === unseen));
  }
  const records = (await readRecords(resumed, 1)).flatMap((e) => e.Records);
  assert.deepEqual(records.map((r) => r.SequenceNumber), [unseen]);
  assert.deepEqual([...records[0].Data], [2]);
  resumed.close();

  // AT_TIMESTAMP: a time before the stream's first record reads it all.
  await server.advanceClock(5_000);
  const fromTime = await subscribe({
    ...shard,
    StartingPosition: { Type: "AT_TIMESTAMP", Timestamp: new Date(Date.now() - 3_600_000) },
  });
  const all = (await readRecords(fromTime, 2)).flatMap((e) => e.Records);
  assert.deepEqual(all.map((r) => r.SequenceNumber), [seen, unseen]);
  fromTime.close();

  await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
});

test("a server told to stop ends its open subscriptions and exits", { timeout: TEST_TIMEOUT_MS }, async () => {
  const own = await startSluice();
  const { client: ownClient, sessions: ownSessions } = kinesisClient(own);
  try {
    const name = uniqueName("stop");
    await ownClient.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const { StreamARN } = await waitActive(ownClient, name);
    const { Consumer } = await ownClient.send(
      new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "efo" }),
    );
    const response = await ownClient.send(
      new SubscribeToShardCommand({
        ConsumerARN: Consumer.ConsumerARN,
        ShardId: "shardId-000000000000",
        StartingPosition: { Type: "LATEST" },
      }),
    );
    const iterator = response.EventStream[Symbol.asyncIterator]();
    assert.ok((await iterator.next()).value.SubscribeToShardEvent, "the first event");

    // SIGTERM while the stream is open: the stream ends, and the process exits by itself
    // (not by the SIGKILL that follows a stop that hangs).
    const exited = await own.stop();
    assert.deepEqual(exited, { code: 0, signal: null });
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  } finally {
    ownClient.destroy();
    for (const session of ownSessions) session.destroy();
    await own.stop();
  }
});
