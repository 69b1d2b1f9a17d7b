// A small Nexus Backpressure v1.0 producer in Node.js (18+, no dependencies), written to be
// validated by nexus-validate:
//
//   nexus-validate run --role producer \
//     --spawn "node examples/node-producer/producer.js {capacity_url} {metrics_url} {sink_url}"
//
// It asks the controller for capacity every 500 ms, delivers items to the sink in paced
// batches at the recommended rate (nothing while the rate is 0), waits out Retry-After
// on 429, and reports cumulative metrics every second.
"use strict";

const [capacityUrl, metricsUrl, sinkUrl] = process.argv.slice(2);
if (!capacityUrl || !metricsUrl || !sinkUrl) {
  console.error("usage: node producer.js CAPACITY_URL METRICS_URL SINK_URL");
  process.exit(2);
}

const producerId = `node-producer-${process.pid}`;
const consumerId = `node-consumer-${process.pid}`;
const REQUESTED = 100;
const TICK_MS = 50;

let rate = 0; // nothing is sent before the first FlowControl
let tokens = 0;
let delivered = 0;
let errors = 0;
let pressured = 0;
let latencies = [];
let nextSignalAt = 0;
let stopping = false;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: response.status, headers: response.headers, json };
}

function envelope(action) {
  return { action, version: "1.0", producer_id: producerId, consumer_id: consumerId, timestamp: Date.now() };
}

async function signal() {
  try {
    const answer = await post(capacityUrl, {
      ...envelope("CapacitySignal"),
      requested_rate: REQUESTED,
      priority_level: 0,
      timeout_ms: 5000,
    });
    if (answer.status === 429) {
      const wait = Number(answer.headers.get("retry-after") ?? "1");
      nextSignalAt = Date.now() + (Number.isFinite(wait) ? wait : 1) * 1000;
      console.log(`429: waiting ${wait} s`);
      return;
    }
    if (answer.status === 200 && answer.json && Number.isInteger(answer.json.recommended_rate)) {
      const next = Math.max(0, answer.json.recommended_rate);
      if (next < rate || answer.json.apply_immediately === true) tokens = 0;
      if (next < REQUESTED) pressured += 1;
      if (next !== rate) console.log(`rate ${rate} -> ${next}`);
      rate = next;
    } else {
      errors += 1;
    }
  } catch (err) {
    errors += 1;
  }
  nextSignalAt = Date.now() + 500;
}

async function deliver() {
  tokens = Math.min(tokens + (rate * TICK_MS) / 1000, Math.max((rate * TICK_MS) / 1000, 1));
  const count = Math.floor(tokens);
  if (count <= 0) return;
  tokens -= count;
  const started = Date.now();
  try {
    const items = Array.from({ length: count }, (_, i) => ({ seq: delivered + i }));
    const answer = await post(sinkUrl, items);
    if (answer.status >= 200 && answer.status < 300) {
      delivered += count;
      latencies.push(Date.now() - started);
      latencies = latencies.slice(-200);
    } else {
      errors += 1;
    }
  } catch (err) {
    errors += 1;
  }
}

async function report() {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pick = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : 0);
  try {
    await post(metricsUrl, {
      ...envelope("MetricsReport"),
      flow_name: "node-example",
      items_buffered: 0,
      items_processed: delivered,
      items_dropped: 0,
      latency_p50_ms: pick(0.5),
      latency_p99_ms: pick(0.99),
      throughput_current: rate,
      backpressure_triggered_count: pressured,
      error_count: errors,
    });
  } catch (err) {
    errors += 1;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  let nextTick = Date.now();
  let nextReport = Date.now() + 1000;
  while (!stopping) {
    const now = Date.now();
    if (now >= nextSignalAt) await signal();
    if (now >= nextReport) {
      await report();
      nextReport = Math.max(nextReport + 1000, Date.now());
    }
    if (now >= nextTick) {
      await deliver();
      nextTick = Math.max(nextTick + TICK_MS, Date.now());
    }
    const wait = Math.min(nextSignalAt, nextTick, nextReport) - Date.now();
    if (wait > 0) await sleep(wait);
  }
  console.log(`stopped after delivering ${delivered} items`);
}

process.on("SIGTERM", () => { stopping = true; });
process.on("SIGINT", () => { stopping = true; });
main();
