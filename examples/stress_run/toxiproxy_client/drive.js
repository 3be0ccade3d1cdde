// Drives `stress-run proxy --toxiproxy-api` with Toxiproxy's own npm client (toxiproxy-node-client):
// a proxy in front of a loopback HTTP server of this script, a latency toxic that must delay a
// request through it by its stated amount, then the toxic removed, a reset and the proxy deleted.
// Usage: node drive.js http://127.0.0.1:PORT   (exit 0 when every check holds)
"use strict";
const http = require("http");
const assert = require("assert");
const { Toxiproxy } = require("toxiproxy-node-client");

const LATENCY_MS = 300;
// Bounded: whatever happens, the script ends within 20 s.
setTimeout(() => { console.error("FAIL: timed out after 20 s"); process.exit(1); }, 20000).unref();

/** One GET on a fresh connection; resolves to {status, ms}. */
function timedGet(port) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
  });
}

async function main() {
  const api = process.argv[2];
  const upstream = http.createServer((req, res) => { res.writeHead(200, { "Content-Type": "text/plain" }); res.end("ok\n"); });
  await new Promise((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  try {
    const toxiproxy = new Toxiproxy(api);
    const version = JSON.parse(await toxiproxy.getVersion());
    assert.match(version.version, /^2\./, "GET /version");
    const proxy = await toxiproxy.createProxy({
      name: "node_client", listen: "127.0.0.1:0", upstream: `127.0.0.1:${upstream.address().port}`,
    });
    const port = Number(proxy.listen.split(":").pop());
    assert.ok(port > 0, `the created proxy reports its bound port (${proxy.listen})`);
    assert.strictEqual(proxy.enabled, true);
    const all = await toxiproxy.getAll();
    assert.deepStrictEqual(Object.keys(all), ["node_client"], "getAll lists the proxy by name");

    const base = await timedGet(port);
    assert.strictEqual(base.status, 200);
    const toxic = await proxy.addToxic({ type: "latency", stream: "downstream", attributes: { latency: LATENCY_MS } });
    assert.strictEqual(toxic.name, "latency_downstream");
    assert.deepStrictEqual(toxic.attributes, { latency: LATENCY_MS, jitter: 0 });
    const fetched = await proxy.getToxic("latency_downstream");
    assert.strictEqual(fetched.attributes.latency, LATENCY_MS);
    const slow = await timedGet(port);
    assert.strictEqual(slow.status, 200);
    console.log(`direct through the proxy: ${base.ms.toFixed(1)} ms; with a ${LATENCY_MS} ms latency toxic: ${slow.ms.toFixed(1)} ms`);
    assert.ok(slow.ms >= LATENCY_MS, `delayed by at least ${LATENCY_MS} ms (took ${slow.ms} ms)`);
    assert.ok(slow.ms < LATENCY_MS + 500, `not delayed much more than ${LATENCY_MS} ms (took ${slow.ms} ms)`);

    await toxic.remove();
    const again = await timedGet(port);
    assert.ok(again.ms < LATENCY_MS, `the removed toxic no longer delays (took ${again.ms} ms)`);
    assert.strictEqual((await toxiproxy.get("node_client")).enabled, true);

    const updated = await proxy.update({ enabled: false });
    assert.strictEqual(updated.enabled, false, "disabled");
    await assert.rejects(timedGet(port), /ECONNREFUSED/, "a disabled proxy refuses connections");
    await proxy.addToxic({ type: "timeout", attributes: { timeout: 0 } });
    await toxiproxy.reset();  // enables every proxy and removes every toxic
    const after = await timedGet(port);
    assert.strictEqual(after.status, 200, "reset enabled the proxy on its port, without the timeout toxic");

    await proxy.remove();
    await assert.rejects(toxiproxy.get("node_client"), /status code 404/, "the deleted proxy is gone");
    console.log("ok: toxiproxy-node-client created, delayed, cleaned and deleted a proxy");
  } finally {
    upstream.close();
  }
}

main().catch((e) => { console.error("FAIL:", e && e.stack ? e.stack : e); process.exit(1); });
