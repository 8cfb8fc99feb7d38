// A grpc-js client (npm @grpc/grpc-js + @grpc/proto-loader) against the interop server:
// unary (with an echoed header and a requested error status), server streaming, bidi
// ping-pong, gzip both ways, and a health check. Schemas come from a FileDescriptorSet the
// Java test writes (no .proto files needed). Usage: node grpcjs-client.js HOST:PORT DESCRIPTOR_SET
// Prints one "ok <step>" line per step; exits 1 with the reason on the first failure.
'use strict';
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target, setPath] = process.argv.slice(2);
const def = loader.loadFileDescriptorSetFromBuffer(fs.readFileSync(setPath), {
  keepCase: true, longs: Number, enums: String, defaults: true,
});
const pkg = grpc.loadPackageDefinition(def);
const creds = grpc.credentials.createInsecure();
const test = new pkg.grpc.testing.TestService(target, creds);
const testGzip = new pkg.grpc.testing.TestService(target, creds, { 'grpc.default_compression_algorithm': 2 });
const health = new pkg.grpc.health.v1.Health(target, creds);
const deadline = () => new Date(Date.now() + 10000);

function fail(step, why) {
  console.error(`FAIL ${step}: ${why}`);
  process.exit(1);
}
function check(step, cond, why) {
  if (!cond) fail(step, why);
}

function unary() {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    md.set('x-grpc-test-echo-initial', 'hello-from-grpc-js');
    const call = test.UnaryCall({ response_size: 1000, payload: { body: Buffer.alloc(2000) } }, md,
      { deadline: deadline() }, (err, resp) => {
        if (err) fail('unary', err.message);
        check('unary', resp.payload.body.length === 1000, `body ${resp.payload.body.length} bytes, expected 1000`);
        resolve();
      });
    call.on('metadata', (h) => {
      check('unary', h.get('x-grpc-test-echo-initial')[0] === 'hello-from-grpc-js', 'initial metadata not echoed');
    });
  }).then(() => console.log('ok unary'));
}

function unaryStatus() {
  return new Promise((resolve) => {
    test.UnaryCall({ response_status: { code: 9, message: 'precondition ☺ 100%' } }, { deadline: deadline() },
      (err) => {
        check('status', err && err.code === 9, `expected FAILED_PRECONDITION, got ${err && err.code}`);
        check('status', err.details === 'precondition ☺ 100%', `message '${err.details}'`);
        resolve();
      });
  }).then(() => console.log('ok status'));
}

function gzip() {
  return new Promise((resolve) => {
    testGzip.UnaryCall({ response_size: 5000, response_compressed: { value: true },
      expect_compressed: { value: true }, payload: { body: Buffer.alloc(5000) } },
    { deadline: deadline() }, (err, resp) => {
      if (err) fail('gzip', err.message);
      check('gzip', resp.payload.body.length === 5000, 'wrong body size');
      resolve();
    });
  }).then(() => console.log('ok gzip'));
}

function serverStreaming() {
  return new Promise((resolve) => {
    const sizes = [];
    const call = test.StreamingOutputCall({ response_parameters: [{ size: 3 }, { size: 70000 }, { size: 0 }] },
      { deadline: deadline() });
    call.on('data', (m) => sizes.push(m.payload ? m.payload.body.length : 0));
    call.on('error', (e) => fail('server-streaming', e.message));
    call.on('end', () => {
      check('server-streaming', JSON.stringify(sizes) === '[3,70000,0]', `sizes ${JSON.stringify(sizes)}`);
      resolve();
    });
  }).then(() => console.log('ok server-streaming'));
}

function bidi() {
  return new Promise((resolve) => {
    const want = [31415, 9, 2653, 58979];
    const got = [];
    const call = test.FullDuplexCall({ deadline: deadline() });
    call.on('data', (m) => {
      got.push(m.payload.body.length);
      if (got.length < want.length) {
        call.write({ response_parameters: [{ size: want[got.length] }] });
      } else {
        call.end();
      }
    });
    call.on('error', (e) => fail('bidi', e.message));
    call.on('end', () => {
      check('bidi', JSON.stringify(got) === JSON.stringify(want), `sizes ${JSON.stringify(got)}`);
      resolve();
    });
    call.write({ response_parameters: [{ size: want[0] }] });
  }).then(() => console.log('ok bidi'));
}

function healthCheck() {
  return new Promise((resolve) => {
    health.Check({ service: 'grpc.testing.TestService' }, { deadline: deadline() }, (err, resp) => {
      if (err) fail('health', err.message);
      check('health', resp.status === 'SERVING', `status ${resp.status}`);
      health.Check({ service: 'no.such.Service' }, { deadline: deadline() }, (err2) => {
        check('health', err2 && err2.code === grpc.status.NOT_FOUND, 'unknown service is not NOT_FOUND');
        resolve();
      });
    });
  }).then(() => console.log('ok health'));
}

(async () => {
  await unary();
  await unaryStatus();
  await gzip();
  await serverStreaming();
  await bidi();
  await healthCheck();
  test.close(); testGzip.close(); health.close();
  console.log('all ok');
})().catch((e) => fail('client', e && e.stack));
