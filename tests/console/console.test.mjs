// The built-in console, driven in headless Chromium (Debian's package) with
// playwright-core. Starts one `sluice --in-memory` (SLUICE_BIN) on free ports, sets
// things up through the plain HTTP APIs, and checks what the console shows and does.
// Every page fails its test on a JavaScript error; screenshots go to artifacts/.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, existsSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const ARTIFACTS = path.join(here, "artifacts");
const BIN = process.env.SLUICE_BIN || path.join(repo, "target/debug/sluice");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const REGION = "us-east-1";
const ACCOUNT = "000000000000";

let server, logPath, api, admin, userDataDir;
let browser; // the browser's one context
let pages = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitReady(deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`sluice exited with ${server.exitCode}:\n${readFileSync(logPath, "utf8")}`);
    }
    try {
      const r = await fetch(`${admin}/ready`);
      if (r.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error("sluice did not become ready");
    await sleep(50);
  }
}

before(async () => {
  assert.ok(existsSync(BIN), `sluice binary not found at ${BIN}: build it or set SLUICE_BIN`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const [port, adminPort] = [await freePort(), await freePort()];
  api = `http://127.0.0.1:${port}`;
  admin = `http://127.0.0.1:${adminPort}`;
  logPath = path.join(ARTIFACTS, "sluice.log");
  const log = openSync(logPath, "w");
  server = spawn(BIN, ["--listen", `127.0.0.1:${port}`, "--admin-listen", `127.0.0.1:${adminPort}`, "--in-memory"], {
    stdio: ["ignore", log, log],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "info", NO_COLOR: "1" },
  });
  await waitReady(15_000);
  userDataDir = mkdtempSync(path.join(tmpdir(), "sluice-console-chromium-"));
  // A persistent context is how Playwright takes a fresh --user-data-dir.
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// A page that records JavaScript errors; each test's pages are checked after it.
async function open(t, url, { script = true } = {}) {
  const page = await browser.newPage();
  if (!script) {
    // As a browser with JavaScript off sees it: the console's script is empty.
    await page.route("**/console/assets/console.js", (route) =>
      route.fulfill({ contentType: "text/javascript", body: "" }));
  }
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  pages.push({ page, errors, name: t.name });
  await page.goto(url);
  return page;
}

afterEach(async () => {
  const opened = pages;
  pages = [];
  const problems = [];
  for (const [i, { page, errors, name }] of opened.entries()) {
    const file = `${name.replace(/[^a-z0-9]+/gi, "-")}-${i}.png`;
    await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true }).catch(() => {});
    problems.push(...errors);
    await page.close();
  }
  assert.deepEqual(problems, [], "the console reported JavaScript errors");
});

// ---- The APIs, over plain HTTP (the server is open: no signing).

async function sqs(action, body) {
  const r = await fetch(api, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${action}: ${text}`);
  return text ? JSON.parse(text) : {};
}

async function sns(params) {
  const r = await fetch(api, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ Version: "2010-03-31", ...params }).toString(),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${params.Action}: ${text}`);
  return text;
}

async function kinesis(action, body) {
  const r = await fetch(api, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `Kinesis_20131202.${action}` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${action}: ${text}`);
  return text ? JSON.parse(text) : {};
}

let counter = 0;
const unique = (prefix) => `${prefix}-${process.pid}-${++counter}`;

async function createQueue(name, attributes = {}) {
  const { QueueUrl } = await sqs("CreateQueue", { QueueName: name, Attributes: attributes });
  return QueueUrl;
}

async function depth(url) {
  const { Attributes } = await sqs("GetQueueAttributes", {
    QueueUrl: url,
    AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
  });
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

const queuePage = (name) => `${admin}/console/queues/${REGION}/${ACCOUNT}/${name}`;
const arnOf = (name) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

// ---- The tests.

test("a queue created through the API is listed with its depth, updated live", async (t) => {
  const name = unique("listed");
  const url = await createQueue(name);
  for (const body of ["a", "b", "c"]) await sqs("SendMessage", { QueueUrl: url, MessageBody: body });
  await sqs("SendMessage", { QueueUrl: url, MessageBody: "later", DelaySeconds: 600 });
  const page = await open(t, `${admin}/console`);
  assert.match(await page.title(), /Queues/);
  const row = page.locator(`tr[data-arn="${arnOf(name)}"]`);
  await assert.doesNotReject(row.getByRole("link", { name }).waitFor());
  assert.equal(await row.locator('[data-field="visible"]').textContent(), "3");
  assert.equal(await row.locator('[data-field="in_flight"]').textContent(), "0");
  assert.equal(await row.locator('[data-field="delayed"]').textContent(), "1");
  assert.match(await row.locator('[data-field="oldest_age"]').textContent(), /^\d+ s$/);
  // The script refreshes the counts without a reload.
  await sqs("SendMessage", { QueueUrl: url, MessageBody: "d" });
  await row.locator('[data-field="visible"]', { hasText: "4" }).waitFor({ timeout: 10_000 });
});

test("the read-only pages work without the script", async (t) => {
  const name = unique("noscript");
  const url = await createQueue(name);
  await sqs("SendMessage", { QueueUrl: url, MessageBody: "seen without script" });
  const page = await open(t, `${admin}/console/queues`, { script: false });
  const row = page.locator(`tr[data-arn="${arnOf(name)}"]`);
  assert.equal(await row.locator('[data-field="visible"]').textContent(), "1");
  await row.getByRole("link", { name }).click();
  await page.waitForURL(queuePage(name));
  assert.equal(await page.locator("article.message pre.body").textContent(), "seen without script");
  await page.getByRole("link", { name: "Topics" }).click();
  await page.getByRole("heading", { name: "Topics" }).waitFor();
  await page.getByRole("link", { name: "Streams" }).click();
  await page.getByRole("heading", { name: "Streams" }).waitFor();
  // Keyboard: the skip link is the first stop and moves focus to the content.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main");
});

test("a peek shows messages without receiving them", async (t) => {
  const name = unique("peek");
  const url = await createQueue(name);
  const body = `<script>alert("x")</script> & 'quotes'`;
  await sqs("SendMessage", {
    QueueUrl: url,
    MessageBody: body,
    MessageAttributes: { colour: { DataType: "String", StringValue: "<blue>" } },
  });
  const page = await open(t, queuePage(name));
  const message = page.locator("article.message");
  assert.equal(await message.count(), 1);
  assert.equal(await message.locator("pre.body").textContent(), body);
  const text = await message.textContent();
  assert.match(text, /colour/);
  assert.match(text, /<blue> \(String\)/);
  assert.match(text, /SentTimestamp/);
  assert.match(text, /ApproximateReceiveCount\s*0/);
  // Reloading peeks again; still nothing changes.
  await page.reload();
  assert.deepEqual(await depth(url), { visible: 1, inFlight: 0 });
  const received = await sqs("ReceiveMessage", { QueueUrl: url, MessageSystemAttributeNames: ["All"] });
  assert.equal(received.Messages.length, 1);
  assert.equal(received.Messages[0].Body, body);
  assert.equal(received.Messages[0].Attributes.ApproximateReceiveCount, "1");
  // Now in flight, the peek says so and shows the receive.
  await page.reload();
  assert.match(await page.locator("article.message").textContent(), /in flight[\s\S]*ApproximateReceiveCount\s*1/);
  assert.deepEqual(await depth(url), { visible: 0, inFlight: 1 });
});

test("a message sent from the console is received through the API", async (t) => {
  const name = unique("send");
  const url = await createQueue(name);
  const page = await open(t, queuePage(name));
  const body = `from the console <${name}>`;
  await page.getByLabel("Body").fill(body);
  await page.getByRole("button", { name: "Send message" }).click();
  await page.getByRole("status").filter({ hasText: "Sent message" }).waitFor();
  const received = await sqs("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 1 });
  assert.equal(received.Messages?.length, 1);
  assert.equal(received.Messages[0].Body, body);
});

test("an action without the page's token, or from another site, is refused", async () => {
  const name = unique("csrf");
  const url = await createQueue(name);
  const r = await fetch(`${queuePage(name)}/send`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "body=forged&token=wrong",
    redirect: "manual",
  });
  assert.equal(r.status, 403);
  // With the token but from another site: refused too.
  const html = await (await fetch(queuePage(name))).text();
  const token = html.match(/name="token" value="([^"]+)"/)[1];
  const post = (origin) => fetch(`${queuePage(name)}/send`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin },
    body: new URLSearchParams({ body: "forged", token }).toString(),
    redirect: "manual",
  });
  assert.equal((await post("http://evil.example")).status, 403);
  assert.deepEqual(await depth(url), { visible: 0, inFlight: 0 });
  // From the console's own origin it is accepted.
  assert.equal((await post(admin)).status, 303);
  assert.deepEqual(await depth(url), { visible: 1, inFlight: 0 });
});

test("purge empties the queue", async (t) => {
  const name = unique("purge");
  const url = await createQueue(name);
  for (const body of ["1", "2", "3"]) await sqs("SendMessage", { QueueUrl: url, MessageBody: body });
  const page = await open(t, queuePage(name));
  assert.equal(await page.locator("article.message").count(), 3);
  await page.getByRole("button", { name: "Purge queue" }).click();
  await page.getByRole("status").filter({ hasText: "purged" }).waitFor();
  assert.equal(await page.locator("article.message").count(), 0);
  assert.deepEqual(await depth(url), { visible: 0, inFlight: 0 });
});

test("a dead-letter queue is redriven to its source, with progress", async (t) => {
  const dlqName = unique("dlq");
  const sourceName = unique("source");
  const dlqUrl = await createQueue(dlqName);
  const sourceUrl = await createQueue(sourceName, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf(dlqName), maxReceiveCount: 1 }),
  });
  const n = 5;
  for (let i = 0; i < n; i++) await sqs("SendMessage", { QueueUrl: sourceUrl, MessageBody: `m${i}` });
  // Received once each, then dead-lettered by the next receive.
  let got = 0;
  while (got < n) {
    const r = await sqs("ReceiveMessage", { QueueUrl: sourceUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 });
    got += r.Messages?.length ?? 0;
  }
  await sqs("ReceiveMessage", { QueueUrl: sourceUrl, MaxNumberOfMessages: 10 });
  assert.deepEqual(await depth(dlqUrl), { visible: n, inFlight: 0 });

  // The source links to its DLQ; the DLQ lists its source.
  const page = await open(t, queuePage(sourceName));
  await page.getByRole("link", { name: dlqName }).first().click();
  await page.waitForURL(queuePage(dlqName));
  await page.getByRole("link", { name: sourceName }).waitFor();

  // Slowly, so the page sees the task running and the script follows it to the end.
  await page.getByLabel("Messages per second").fill("2");
  await page.getByRole("button", { name: "Redrive to source queues" }).click();
  await page.getByRole("status").filter({ hasText: "redrive started" }).waitFor();
  const table = page.locator("[data-move-tasks]");
  assert.equal(await table.locator('[data-field="status"]').first().textContent(), "RUNNING");
  assert.ok(await page.getByRole("button", { name: "Redrive to source queues" }).isDisabled());
  await table.locator('[data-field="status"]', { hasText: "COMPLETED" }).waitFor({ timeout: 15_000 });
  assert.ok(await page.getByRole("button", { name: "Redrive to source queues" }).isEnabled());
  const bar = table.locator("progress").first();
  assert.equal(await bar.getAttribute("value"), String(n));
  assert.equal(await table.locator('[data-field="progress"]').first().textContent(), `${n} of ${n}`);
  assert.deepEqual(await depth(sourceUrl), { visible: n, inFlight: 0 });
  assert.deepEqual(await depth(dlqUrl), { visible: 0, inFlight: 0 });
  // Without the script, a reload shows the same outcome.
  await page.reload();
  await table.locator('[data-field="status"]', { hasText: "COMPLETED" }).waitFor();
});

test("a queue's rates and charts of the last hour show what was sent, live", async (t) => {
  const name = unique("rates");
  const url = await createQueue(name);
  const n = 12;
  for (let i = 0; i < n; i++) await sqs("SendMessage", { QueueUrl: url, MessageBody: `m${i}` });
  const { Messages } = await sqs("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 2 });
  assert.equal(Messages.length, 2);

  // The JSON endpoints work out the current point on demand: no sample to wait for.
  const history = await (await fetch(`${queuePage(name)}/history.json`)).json();
  assert.ok(history.rates.sent > 0, `sent rate ${history.rates.sent}`);
  assert.ok(history.rates.received > 0, `received rate ${history.rates.received}`);
  assert.equal(history.rates.deleted, 0);
  const last = history.rows.at(-1);
  assert.deepEqual([last.visible, last.in_flight, last.delayed], [n - 2, 2, 0]);
  assert.ok(last.sent > 0);
  const list = await (await fetch(`${admin}/console/queues.json`)).json();
  const listed = list.queues.find((q) => q.arn === arnOf(name));
  assert.notEqual(listed.sent_rate, "0");
  assert.equal(listed.deleted_rate, "0");

  // Without the script: the charts are images named by a summary, with their tables.
  const page = await open(t, queuePage(name), { script: false });
  const depthChart = page.getByRole("img", { name: "Depth over the last hour" });
  await depthChart.waitFor();
  assert.match(await page.locator("#depth-chart-desc").textContent(),
    new RegExp(`latest Visible ${n - 2}, In flight 2, Delayed 0`));
  const rateChart = page.getByRole("img", { name: /Sends, receives and deletes per second over the last hour/ });
  assert.notEqual(await rateChart.locator('polyline[data-series="sent"]').getAttribute("points"), "");
  assert.ok(await page.locator('figure[data-chart="rate-chart"] details tbody tr').count() >= 1);
  const row = page.locator(`[data-live-queues] tr[data-arn="${arnOf(name)}"]`);
  assert.notEqual(await row.locator('[data-field="sent_rate"]').textContent(), "0");
  assert.equal(await row.locator('[data-field="deleted_rate"]').textContent(), "0");
  const listPage = await open(t, `${admin}/console/queues`, { script: false });
  const listRow = listPage.locator(`tr[data-arn="${arnOf(name)}"]`);
  assert.notEqual(await listRow.locator('[data-field="sent_rate"]').textContent(), "0");

  // With the script: a delete shows in the chart's summary and the rates without a reload.
  const live = await open(t, queuePage(name));
  await sqs("DeleteMessage", { QueueUrl: url, ReceiptHandle: Messages[0].ReceiptHandle });
  await live.locator("#depth-chart-desc", { hasText: "In flight 1," }).waitFor({ state: "attached", timeout: 10_000 });
  const liveRow = live.locator(`[data-live-queues] tr[data-arn="${arnOf(name)}"]`);
  await liveRow.locator('[data-field="deleted_rate"]').filter({ hasNotText: /^0$/ }).waitFor({ timeout: 10_000 });
  assert.notEqual(await live.locator('polyline[data-series="in_flight"]').getAttribute("points"), "");
});

test("a topic shows its subscriptions and filter policies, and publishes", async (t) => {
  const topicName = unique("topic");
  const xml = await sns({ Action: "CreateTopic", Name: topicName });
  const topicArn = xml.match(/<TopicArn>([^<]+)<\/TopicArn>/)[1];
  const queueName = unique("subscriber");
  const queueUrl = await createQueue(queueName);
  await sns({ Action: "Subscribe", TopicArn: topicArn, Protocol: "sqs", Endpoint: arnOf(queueName),
    "Attributes.entry.1.key": "RawMessageDelivery", "Attributes.entry.1.value": "true" });
  const filtered = unique("filtered");
  await createQueue(filtered);
  const policy = { colour: ["red", "<green>"] };
  await sns({ Action: "Subscribe", TopicArn: topicArn, Protocol: "sqs", Endpoint: arnOf(filtered),
    "Attributes.entry.1.key": "FilterPolicy", "Attributes.entry.1.value": JSON.stringify(policy) });

  const page = await open(t, `${admin}/console/topics`);
  await page.getByRole("link", { name: topicName }).click();
  await page.getByRole("heading", { name: `Topic ${topicName}` }).waitFor();
  const subs = page.locator("section", { has: page.getByRole("heading", { name: "Subscriptions" }) });
  assert.equal(await subs.locator("tbody tr").count(), 2);
  const policyText = await subs.locator("pre.policy").textContent();
  assert.deepEqual(JSON.parse(policyText), policy);
  await subs.getByRole("link", { name: arnOf(queueName) }).waitFor();

  await page.getByLabel("Message", { exact: true }).fill("hello from the console");
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("status").filter({ hasText: "Published message" }).waitFor();
  const received = await sqs("ReceiveMessage", { QueueUrl: queueUrl, WaitTimeSeconds: 2 });
  assert.equal(received.Messages?.[0]?.Body, "hello from the console");

  // The page it came back to lists the delivery: to the raw queue, delivered; the
  // filtered-out queue got no attempt.
  const deliveries = page.locator("section", { has: page.getByRole("heading", { name: "Recent deliveries" }) });
  assert.equal(await deliveries.locator('[data-field="published"]').textContent(), "1");
  const table = deliveries.getByRole("table", { name: /delivery attempt/ });
  assert.equal(await table.locator("tbody tr").count(), 1);
  const row = table.locator("tbody tr", { has: page.getByRole("link", { name: arnOf(queueName) }) });
  assert.equal(await row.locator('[data-field="outcome"]').textContent(), "delivered");
  assert.equal(await row.locator('[data-field="protocol"]').textContent(), "sqs");
  assert.equal(await row.locator('[data-field="attempt"]').textContent(), "1");
});

test("a stream shows its shards, lineage and recent records", async (t) => {
  const name = unique("stream");
  await kinesis("CreateStream", { StreamName: name, ShardCount: 2 });
  for (let i = 0; ; i++) {
    const { StreamDescriptionSummary: s } = await kinesis("DescribeStreamSummary", { StreamName: name });
    if (s.StreamStatus === "ACTIVE") break;
    assert.ok(i < 100, "the stream did not become active");
    await sleep(100);
  }
  const { Shards } = await kinesis("ListShards", { StreamName: name });
  // Split the first shard, so it has children naming it as their parent.
  const parent = Shards[0];
  const middle = (BigInt(parent.HashKeyRange.StartingHashKey) + BigInt(parent.HashKeyRange.EndingHashKey)) / 2n;
  await kinesis("SplitShard", { StreamName: name, ShardToSplit: parent.ShardId, NewStartingHashKey: middle.toString() });
  for (let i = 0; ; i++) {
    const { StreamDescriptionSummary: s } = await kinesis("DescribeStreamSummary", { StreamName: name });
    if (s.StreamStatus === "ACTIVE") break;
    assert.ok(i < 100, "the stream did not become active after the split");
    await sleep(100);
  }
  await kinesis("PutRecord", { StreamName: name, PartitionKey: "pk", Data: Buffer.from("hello <stream>").toString("base64") });
  await kinesis("PutRecord", { StreamName: name, PartitionKey: "bin", Data: Buffer.from([0xff, 0x00]).toString("base64") });

  const page = await open(t, `${admin}/console/streams`);
  await page.getByRole("link", { name }).click();
  await page.getByRole("heading", { name: `Stream ${name}` }).waitFor();
  const shards = page.locator("section", { has: page.getByRole("heading", { name: "Shards" }) });
  assert.equal(await shards.locator("tbody tr").count(), 4);
  const children = shards.locator("tbody tr", { has: page.getByRole("link", { name: parent.ShardId }) });
  assert.equal(await children.count(), 2);
  const records = page.locator("table.records");
  assert.match(await records.allTextContents().then((t) => t.join("\n")), /hello <stream>/);
  assert.match(await records.allTextContents().then((t) => t.join("\n")), /\/wA=/);
  // Write rates per shard over the last minute, and charts of the stream's writes.
  const rates = await shards.locator('[data-field="records_rate"]').allTextContents();
  assert.ok(rates.some((r) => Number(r) > 0), `records/s ${rates}`);
  await page.getByRole("img", { name: /Records written per second over the last hour/ }).waitFor();
  await page.getByRole("img", { name: /Bytes written per second over the last hour/ }).waitFor();
  const history = await (await fetch(`${page.url()}/history.json`)).json();
  assert.ok(history.rows.at(-1).records > 0);
  assert.ok(history.shards.some((s) => s.bytes_rate !== "0"));
});
