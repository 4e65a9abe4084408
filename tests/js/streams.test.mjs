// Every Kinesis operation Sluice serves, from the JavaScript SDK v3 over HTTP/2, grouped
// into a few tests: stream lifecycle, records and iterators, resharding, consumers, tags
// and resource policies, stream settings, the account, and typed errors.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteResourcePolicyCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeAccountSettingsCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetResourcePolicyCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  InvalidArgumentException,
  KinesisServiceException,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  SplitShardCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAccountSettingsCommand,
  UpdateMaxRecordSizeCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
  UpdateStreamWarmThroughputCommand,
  ValidationException,
  paginateListStreams,
} from "@aws-sdk/client-kinesis";

import {
  ACCOUNT_ID,
  REGION,
  eventually,
  kinesisClient,
  rejection,
  startSluice,
  uniqueName,
  waitActive,
} from "./lib/sluice.mjs";

let server;
let client;
let sessions;

before(async () => {
  server = await startSluice();
  ({ client, sessions } = kinesisClient(server));
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

/** Every byte value, then the name: data no text encoding would carry unchanged. */
function binary(name) {
  const bytes = new Uint8Array(256 + name.length);
  for (let i = 0; i < 256; i++) bytes[i] = 255 - i;
  bytes.set(new TextEncoder().encode(name), 256);
  return bytes;
}

async function createStream(name, shards = 1, extra = {}) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards, ...extra }));
  return waitActive(client, name);
}

/** Hash key ranges of the half-open halves of the 128-bit key space. */
const HALF = (1n << 127n).toString();

test("stream lifecycle: create, describe, list, delete", async () => {
  const name = uniqueName("life");
  await client.send(
    new CreateStreamCommand({ StreamName: name, ShardCount: 2, Tags: { team: "core" } }),
  );
  const summary = await waitActive(client, name);
  assert.equal(summary.StreamName, name);
  assert.equal(summary.StreamARN, `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${name}`);
  assert.equal(summary.OpenShardCount, 2);
  assert.equal(summary.RetentionPeriodHours, 24);
  assert.equal(summary.StreamModeDetails.StreamMode, "PROVISIONED");
  assert.equal(summary.EncryptionType, "NONE");
  assert.ok(summary.StreamCreationTimestamp instanceof Date);

  const { StreamDescription: d } = await client.send(
    new DescribeStreamCommand({ StreamARN: summary.StreamARN }),
  );
  assert.equal(d.StreamStatus, "ACTIVE");
  assert.equal(d.Shards.length, 2);
  assert.deepEqual(
    d.Shards.map((s) => s.ShardId),
    ["shardId-000000000000", "shardId-000000000001"],
  );
  assert.equal(d.Shards[0].HashKeyRange.StartingHashKey, "0");
  assert.equal(d.HasMoreShards, false);
  const { Tags } = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
  assert.deepEqual(Tags, [{ Key: "team", Value: "core" }]);

  // Listed, also page by page through the SDK's paginator.
  const others = [uniqueName("life"), uniqueName("life")];
  for (const other of others) await createStream(other);
  const listed = await client.send(new ListStreamsCommand({}));
  for (const n of [name, ...others]) assert.ok(listed.StreamNames.includes(n), n);
  const summaries = listed.StreamSummaries.filter((s) => s.StreamName === name);
  assert.equal(summaries.length, 1);
  assert.equal(summaries[0].StreamStatus, "ACTIVE");
  const paged = [];
  for await (const page of paginateListStreams({ client, pageSize: 1 }, {})) {
    assert.ok(page.StreamNames.length <= 1);
    paged.push(...page.StreamNames);
  }
  assert.deepEqual([...paged].sort(), [...listed.StreamNames].sort());

  // A second stream of the same name is refused while the first lives.
  const e = await rejection(
    client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })),
  );
  assert.ok(e instanceof ResourceInUseException, e.name);

  await client.send(new DeleteStreamCommand({ StreamName: name }));
  for (const other of others) {
    await client.send(new DeleteStreamCommand({ StreamName: other }));
  }
  await eventually(async () => {
    const e = await client
      .send(new DescribeStreamSummaryCommand({ StreamName: name }))
      .then(() => null, (e) => e);
    return e instanceof ResourceNotFoundException;
  }, "the stream to be gone");
  const after = await client.send(new ListStreamsCommand({}));
  assert.ok(!after.StreamNames.includes(name));
});

test("records: put and get binary data through every kind of shard iterator", async () => {
  const name = uniqueName("records");
  await createStream(name, 2);

  const first = binary(name);
  const put = await client.send(
    new PutRecordCommand({ StreamName: name, PartitionKey: "a", Data: first }),
  );
  assert.match(put.ShardId, /^shardId-00000000000[01]$/);
  assert.match(put.SequenceNumber, /^\d+$/);
  assert.equal(put.EncryptionType, "NONE");

  // PutRecords with an explicit hash key per entry: one to each shard, in order.
  const entries = [
    { Data: new Uint8Array([0]), PartitionKey: "x", ExplicitHashKey: "0" },
    { Data: new Uint8Array([1, 2, 3]), PartitionKey: "x", ExplicitHashKey: HALF },
    { Data: new Uint8Array([0xff, 0x00, 0xfe]), PartitionKey: "y", ExplicitHashKey: "1" },
  ];
  const batch = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
  assert.equal(batch.FailedRecordCount, 0);
  assert.equal(batch.Records.length, 3);
  assert.deepEqual(
    batch.Records.map((r) => r.ShardId),
    ["shardId-000000000000", "shardId-000000000001", "shardId-000000000000"],
  );

  // Shard 0 from TRIM_HORIZON: its records in order, bytes unchanged.
  const shard0 = [];
  if (put.ShardId === "shardId-000000000000") shard0.push({ seq: put.SequenceNumber, data: first });
  shard0.push({ seq: batch.Records[0].SequenceNumber, data: entries[0].Data });
  shard0.push({ seq: batch.Records[2].SequenceNumber, data: entries[2].Data });
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: name,
      ShardId: "shardId-000000000000",
      ShardIteratorType: "TRIM_HORIZON",
    }),
  );
  const got = await client.send(new GetRecordsCommand({ ShardIterator }));
  assert.deepEqual(
    got.Records.map((r) => ({ seq: r.SequenceNumber, data: Buffer.from(r.Data) })),
    shard0.map((r) => ({ seq: r.seq, data: Buffer.from(r.data) })),
  );
  assert.ok(got.Records[0].ApproximateArrivalTimestamp instanceof Date);
  assert.ok(got.Records.every((r) => r.Data instanceof Uint8Array));
  assert.equal(typeof got.MillisBehindLatest, "number");
  assert.ok(got.NextShardIterator);
  const empty = await client.send(new GetRecordsCommand({ ShardIterator: got.NextShardIterator }));
  assert.deepEqual(empty.Records, []);

  // AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER, by StreamARN, with a Limit.
  const arn = `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${name}`;
  const at = await client.send(
    new GetShardIteratorCommand({
      StreamARN: arn,
      ShardId: "shardId-000000000000",
      ShardIteratorType: "AT_SEQUENCE_NUMBER",
      StartingSequenceNumber: shard0[1].seq,
    }),
  );
  const one = await client.send(new GetRecordsCommand({ ShardIterator: at.ShardIterator, Limit: 1 }));
  assert.deepEqual(one.Records.map((r) => r.SequenceNumber), [shard0[1].seq]);
  const afterIt = await client.send(
    new GetShardIteratorCommand({
      StreamName: name,
      ShardId: "shardId-000000000000",
      ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
      StartingSequenceNumber: shard0[1].seq,
    }),
  );
  const rest = await client.send(new GetRecordsCommand({ ShardIterator: afterIt.ShardIterator }));
  assert.deepEqual(rest.Records.map((r) => r.SequenceNumber), [shard0[2].seq]);

  // AT_TIMESTAMP from before the stream: everything; LATEST: only what comes later.
  const atTime = await client.send(
    new GetShardIteratorCommand({
      StreamName: name,
      ShardId: "shardId-000000000001",
      ShardIteratorType: "AT_TIMESTAMP",
      Timestamp: new Date(Date.now() - 3_600_000),
    }),
  );
  const shard1 = await client.send(new GetRecordsCommand({ ShardIterator: atTime.ShardIterator }));
  assert.ok(shard1.Records.some((r) => r.SequenceNumber === batch.Records[1].SequenceNumber));
  const latest = await client.send(
    new GetShardIteratorCommand({
      StreamName: name,
      ShardId: "shardId-000000000001",
      ShardIteratorType: "LATEST",
    }),
  );
  const later = await client.send(
    new PutRecordCommand({
      StreamName: name,
      PartitionKey: "z",
      ExplicitHashKey: HALF,
      Data: new Uint8Array([7, 7, 7]),
    }),
  );
  const fromLatest = await client.send(new GetRecordsCommand({ ShardIterator: latest.ShardIterator }));
  assert.deepEqual(fromLatest.Records.map((r) => r.SequenceNumber), [later.SequenceNumber]);
  assert.deepEqual(Buffer.from(fromLatest.Records[0].Data), Buffer.from([7, 7, 7]));
  assert.equal(fromLatest.Records[0].PartitionKey, "z");

  // SequenceNumberForOrdering is accepted; an iterator that is not one is refused.
  const ordered = await client.send(
    new PutRecordCommand({
      StreamName: name,
      PartitionKey: "z",
      ExplicitHashKey: HALF,
      Data: new Uint8Array([8]),
      SequenceNumberForOrdering: later.SequenceNumber,
    }),
  );
  assert.ok(BigInt(ordered.SequenceNumber) > BigInt(later.SequenceNumber));
  const bad = await rejection(client.send(new GetRecordsCommand({ ShardIterator: "bm90IGFuIGl0ZXJhdG9y" })));
  assert.ok(
    bad instanceof InvalidArgumentException || bad instanceof ExpiredIteratorException,
    `${bad.name}: ${bad.message}`,
  );

  await client.send(new DeleteStreamCommand({ StreamName: name }));
});

test("shards: list, split, merge, update shard count", async () => {
  const name = uniqueName("shards");
  await createStream(name, 1);
  const arn = `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${name}`;

  const before = await client.send(new ListShardsCommand({ StreamName: name }));
  assert.deepEqual(before.Shards.map((s) => s.ShardId), ["shardId-000000000000"]);
  const parentPut = await client.send(
    new PutRecordCommand({ StreamName: name, PartitionKey: "p", Data: new Uint8Array([1]) }),
  );

  await client.send(
    new SplitShardCommand({
      StreamName: name,
      ShardToSplit: "shardId-000000000000",
      NewStartingHashKey: HALF,
    }),
  );
  await waitActive(client, name);
  const split = await client.send(new ListShardsCommand({ StreamARN: arn }));
  assert.deepEqual(
    split.Shards.map((s) => s.ShardId),
    ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"],
  );
  const [parent, low, high] = split.Shards;
  assert.ok(parent.SequenceNumberRange.EndingSequenceNumber, "the parent is closed");
  assert.equal(low.ParentShardId, "shardId-000000000000");
  assert.equal(low.HashKeyRange.EndingHashKey, (BigInt(HALF) - 1n).toString());
  assert.equal(high.HashKeyRange.StartingHashKey, HALF);
  assert.ok(!low.SequenceNumberRange.EndingSequenceNumber);

  // The closed parent's last read names its children.
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: name,
      ShardId: parent.ShardId,
      ShardIteratorType: "TRIM_HORIZON",
    }),
  );
  const end = await client.send(new GetRecordsCommand({ ShardIterator }));
  assert.deepEqual(end.Records.map((r) => r.SequenceNumber), [parentPut.SequenceNumber]);
  assert.equal(end.NextShardIterator, undefined);
  assert.deepEqual(
    end.ChildShards.map((c) => c.ShardId).sort(),
    ["shardId-000000000001", "shardId-000000000002"],
  );

  // Filters and pages.
  const open = await client.send(
    new ListShardsCommand({ StreamName: name, ShardFilter: { Type: "AT_LATEST" } }),
  );
  assert.deepEqual(open.Shards.map((s) => s.ShardId), [low.ShardId, high.ShardId]);
  const page1 = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1 }));
  assert.equal(page1.Shards.length, 1);
  assert.ok(page1.NextToken);
  const page2 = await client.send(
    new ListShardsCommand({ NextToken: page1.NextToken, MaxResults: 5 }),
  );
  assert.deepEqual(page2.Shards.map((s) => s.ShardId), [low.ShardId, high.ShardId]);

  await client.send(
    new MergeShardsCommand({
      StreamName: name,
      ShardToMerge: low.ShardId,
      AdjacentShardToMerge: high.ShardId,
    }),
  );
  await waitActive(client, name);
  const merged = await client.send(
    new ListShardsCommand({ StreamName: name, ShardFilter: { Type: "AT_LATEST" } }),
  );
  assert.equal(merged.Shards.length, 1);
  assert.equal(merged.Shards[0].ParentShardId, low.ShardId);
  assert.equal(merged.Shards[0].AdjacentParentShardId, high.ShardId);
  assert.equal(merged.Shards[0].HashKeyRange.StartingHashKey, "0");

  const scaled = await client.send(
    new UpdateShardCountCommand({
      StreamName: name,
      TargetShardCount: 2,
      ScalingType: "UNIFORM_SCALING",
    }),
  );
  assert.equal(scaled.CurrentShardCount, 1);
  assert.equal(scaled.TargetShardCount, 2);
  assert.equal(scaled.StreamName, name);
  const summary = await waitActive(client, name);
  assert.equal(summary.OpenShardCount, 2);

  // A shard that does not exist is named in the error.
  const e = await rejection(
    client.send(
      new SplitShardCommand({
        StreamName: name,
        ShardToSplit: "shardId-000000000099",
        NewStartingHashKey: HALF,
      }),
    ),
  );
  assert.ok(e instanceof ResourceNotFoundException, e.name);
  assert.match(e.message, /shardId-000000000099/);

  await client.send(new DeleteStreamCommand({ StreamName: name }));
});

test("consumers: register, describe, list, deregister", async () => {
  const name = uniqueName("consumers");
  const { StreamARN } = await createStream(name, 1);

  const { Consumer } = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "reader" }),
  );
  assert.equal(Consumer.ConsumerName, "reader");
  assert.match(Consumer.ConsumerARN, new RegExp(`^${StreamARN}/consumer/reader:\\d+$`));
  assert.ok(Consumer.ConsumerCreationTimestamp instanceof Date);

  const active = await eventually(async () => {
    const { ConsumerDescription: c } = await client.send(
      new DescribeStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }),
    );
    return c.ConsumerStatus === "ACTIVE" ? c : null;
  }, "the consumer to be ACTIVE");
  assert.equal(active.StreamARN, StreamARN);
  const byName = await client.send(
    new DescribeStreamConsumerCommand({ StreamARN, ConsumerName: "reader" }),
  );
  assert.equal(byName.ConsumerDescription.ConsumerARN, Consumer.ConsumerARN);

  await client.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "other" }));
  const listed = await client.send(new ListStreamConsumersCommand({ StreamARN }));
  assert.deepEqual(listed.Consumers.map((c) => c.ConsumerName).sort(), ["other", "reader"]);
  const page = await client.send(new ListStreamConsumersCommand({ StreamARN, MaxResults: 1 }));
  assert.equal(page.Consumers.length, 1);
  assert.ok(page.NextToken);

  const dup = await rejection(
    client.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "reader" })),
  );
  assert.ok(dup instanceof ResourceInUseException, dup.name);

  await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }));
  await client.send(new DeregisterStreamConsumerCommand({ StreamARN, ConsumerName: "other" }));
  await eventually(async () => {
    const { Consumers } = await client.send(new ListStreamConsumersCommand({ StreamARN }));
    return Consumers.length === 0;
  }, "the consumers to be gone");
  const gone = await rejection(
    client.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN })),
  );
  assert.ok(gone instanceof ResourceNotFoundException, gone.name);

  await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
});

test("tags and resource policies on streams and consumers", async () => {
  const name = uniqueName("tags");
  const { StreamARN } = await createStream(name, 1);

  await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { a: "1", b: "2" } }));
  await client.send(new TagResourceCommand({ ResourceARN: StreamARN, Tags: { c: "3" } }));
  const all = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
  assert.deepEqual(all.Tags.map((t) => `${t.Key}=${t.Value}`).sort(), ["a=1", "b=2", "c=3"]);
  assert.equal(all.HasMoreTags, false);
  const limited = await client.send(new ListTagsForStreamCommand({ StreamName: name, Limit: 1 }));
  assert.equal(limited.Tags.length, 1);
  assert.equal(limited.HasMoreTags, true);
  await client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ["a"] }));
  await client.send(new UntagResourceCommand({ ResourceARN: StreamARN, TagKeys: ["c"] }));
  const left = await client.send(new ListTagsForResourceCommand({ ResourceARN: StreamARN }));
  assert.deepEqual(left.Tags, [{ Key: "b", Value: "2" }]);

  const { Consumer } = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "tagged", Tags: { x: "y" } }),
  );
  const consumerTags = await client.send(
    new ListTagsForResourceCommand({ ResourceARN: Consumer.ConsumerARN }),
  );
  assert.deepEqual(consumerTags.Tags, [{ Key: "x", Value: "y" }]);

  const noPolicy = await client.send(new GetResourcePolicyCommand({ ResourceARN: StreamARN }));
  assert.equal(noPolicy.Policy, "{}");
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "reader",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
        Action: ["kinesis:GetRecords", "kinesis:GetShardIterator"],
        Resource: StreamARN,
      },
    ],
  });
  for (const ResourceARN of [StreamARN, Consumer.ConsumerARN]) {
    const resourcePolicy =
      ResourceARN === StreamARN
        ? policy
        : policy
            .replace(StreamARN, ResourceARN)
            .replace('["kinesis:GetRecords","kinesis:GetShardIterator"]', '"kinesis:SubscribeToShard"');
    await client.send(new PutResourcePolicyCommand({ ResourceARN, Policy: resourcePolicy }));
    const got = await client.send(new GetResourcePolicyCommand({ ResourceARN }));
    assert.deepEqual(JSON.parse(got.Policy), JSON.parse(resourcePolicy));
    await client.send(new DeleteResourcePolicyCommand({ ResourceARN }));
    const none = await rejection(client.send(new DeleteResourcePolicyCommand({ ResourceARN })));
    assert.ok(none instanceof ResourceNotFoundException, none.name);
  }
  const broken = await rejection(
    client.send(new PutResourcePolicyCommand({ ResourceARN: StreamARN, Policy: "not json" })),
  );
  assert.ok(broken instanceof InvalidArgumentException, broken.name);

  await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
});

test("stream settings: retention, encryption, monitoring, mode, record size, warm throughput", async () => {
  const name = uniqueName("settings");
  const { StreamARN } = await createStream(name, 1);

  await client.send(
    new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }),
  );
  assert.equal((await waitActive(client, name)).RetentionPeriodHours, 48);
  await client.send(
    new DecreaseStreamRetentionPeriodCommand({ StreamARN, RetentionPeriodHours: 24 }),
  );
  assert.equal((await waitActive(client, name)).RetentionPeriodHours, 24);
  const tooShort = await rejection(
    client.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 12 }),
    ),
  );
  assert.ok(tooShort instanceof InvalidArgumentException, tooShort.name);

  await client.send(
    new StartStreamEncryptionCommand({
      StreamName: name,
      EncryptionType: "KMS",
      KeyId: "alias/aws/kinesis",
    }),
  );
  const encrypted = await waitActive(client, name);
  assert.equal(encrypted.EncryptionType, "KMS");
  assert.equal(encrypted.KeyId, "alias/aws/kinesis");
  const put = await client.send(
    new PutRecordCommand({ StreamName: name, PartitionKey: "k", Data: new Uint8Array([42]) }),
  );
  assert.equal(put.EncryptionType, "KMS");
  await client.send(
    new StopStreamEncryptionCommand({
      StreamName: name,
      EncryptionType: "KMS",
      KeyId: "alias/aws/kinesis",
    }),
  );
  assert.equal((await waitActive(client, name)).EncryptionType, "NONE");

  const enabled = await client.send(
    new EnableEnhancedMonitoringCommand({
      StreamName: name,
      ShardLevelMetrics: ["IncomingBytes", "OutgoingRecords"],
    }),
  );
  assert.equal(enabled.StreamName, name);
  assert.deepEqual(enabled.CurrentShardLevelMetrics, []);
  assert.deepEqual([...enabled.DesiredShardLevelMetrics].sort(), ["IncomingBytes", "OutgoingRecords"]);
  const disabled = await client.send(
    new DisableEnhancedMonitoringCommand({ StreamARN, ShardLevelMetrics: ["IncomingBytes"] }),
  );
  assert.deepEqual(disabled.DesiredShardLevelMetrics, ["OutgoingRecords"]);
  const { StreamDescriptionSummary: s } = await client.send(
    new DescribeStreamSummaryCommand({ StreamName: name }),
  );
  assert.deepEqual(s.EnhancedMonitoring[0].ShardLevelMetrics, ["OutgoingRecords"]);

  await client.send(
    new UpdateMaxRecordSizeCommand({ StreamARN, MaxRecordSizeInKiB: 2048 }),
  );
  await waitActive(client, name);

  await client.send(
    new UpdateStreamModeCommand({ StreamARN, StreamModeDetails: { StreamMode: "ON_DEMAND" } }),
  );
  const onDemand = await waitActive(client, name);
  assert.equal(onDemand.StreamModeDetails.StreamMode, "ON_DEMAND");
  const same = await rejection(
    client.send(
      new UpdateStreamModeCommand({ StreamARN, StreamModeDetails: { StreamMode: "ON_DEMAND" } }),
    ),
  );
  assert.ok(same instanceof InvalidArgumentException, same.name);

  const warm = await client.send(
    new UpdateStreamWarmThroughputCommand({ StreamName: name, WarmThroughputMiBps: 10 }),
  );
  assert.equal(warm.StreamARN, StreamARN);
  assert.equal(warm.WarmThroughput.TargetMiBps, 10);

  await client.send(new DeleteStreamCommand({ StreamName: name }));
});

test("the account: limits and settings", async () => {
  const limits = await client.send(new DescribeLimitsCommand({}));
  assert.equal(typeof limits.ShardLimit, "number");
  assert.ok(limits.ShardLimit > 0);
  assert.equal(typeof limits.OpenShardCount, "number");
  assert.equal(typeof limits.OnDemandStreamCountLimit, "number");
  assert.equal(typeof limits.OnDemandStreamCount, "number");

  await client.send(
    new UpdateAccountSettingsCommand({
      MinimumThroughputBillingCommitment: { Status: "ENABLED" },
    }),
  );
  const settings = await client.send(new DescribeAccountSettingsCommand({}));
  assert.equal(settings.MinimumThroughputBillingCommitment.Status, "ENABLED");
  const off = await client.send(
    new UpdateAccountSettingsCommand({
      MinimumThroughputBillingCommitment: { Status: "DISABLED" },
    }),
  );
  assert.equal(off.MinimumThroughputBillingCommitment.Status, "DISABLED");
});

test("errors arrive typed, with AWS's names and messages", async () => {
  const e = await rejection(
    client.send(new DescribeStreamSummaryCommand({ StreamName: "no-such-stream" })),
  );
  assert.ok(e instanceof ResourceNotFoundException, e.name);
  assert.ok(e instanceof KinesisServiceException);
  assert.equal(e.name, "ResourceNotFoundException");
  assert.equal(e.message, `Stream no-such-stream under account ${ACCOUNT_ID} not found.`);
  assert.equal(e.$fault, "client");
  assert.equal(e.$metadata.httpStatusCode, 400);
  assert.ok(e.$metadata.requestId, "a request id");

  const put = await rejection(
    client.send(
      new PutRecordCommand({ StreamName: "no-such-stream", PartitionKey: "k", Data: new Uint8Array([1]) }),
    ),
  );
  assert.ok(put instanceof ResourceNotFoundException, put.name);

  const bad = await rejection(
    client.send(new CreateStreamCommand({ StreamName: uniqueName("bad"), ShardCount: 0 })),
  );
  assert.ok(bad instanceof ValidationException, bad.name);
  assert.equal(bad.$metadata.httpStatusCode, 400);
  assert.equal(
    bad.message,
    "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: " +
      "Member must have value greater than or equal to 1",
  );

  const both = await rejection(
    client.send(new ListShardsCommand({ StreamName: "no-such-stream", NextToken: "t" })),
  );
  assert.ok(both instanceof InvalidArgumentException, both.name);
  assert.equal(both.message, "NextToken and StreamName cannot be provided together.");

  // Every call of this file went over HTTP/2 (h2c with prior knowledge).
  assert.ok(sessions.length > 0);
  for (const session of sessions) assert.equal(session.alpnProtocol, "h2c");
});
