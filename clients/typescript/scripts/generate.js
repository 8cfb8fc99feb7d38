// Generates TypeScript types and @grpc/grpc-js service definitions from the repository's proto/
// (remotemedia.v1) and clients/proto (the status details) with ts-proto, into src/gen/.
// protoc: $PROTOC, else `protoc` on PATH (Debian: protobuf-compiler).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const protoRoot = process.env.RM_PROTO_DIR || path.resolve(here, '..', '..', 'proto');
const rpcRoot = path.resolve(here, '..', 'proto');
const out = path.join(here, 'src', 'gen');
const plugin = path.join(here, 'node_modules', '.bin', 'protoc-gen-ts_proto');
const protoc = process.env.PROTOC || 'protoc';

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const files = ['common', 'execution', 'streaming'].map((f) => path.join(protoRoot, 'remotemedia', 'v1', f + '.proto'));
files.push(path.join(rpcRoot, 'remotemedia', 'rpc', 'details.proto'));
try {
  execFileSync(protoc, [
    '--plugin=protoc-gen-ts_proto=' + plugin,
    '--ts_proto_out=' + out,
    '--ts_proto_opt=outputServices=grpc-js,env=node,esModuleInterop=true,forceLong=number,useOptionals=none,oneof=unions,snakeToCamel=true,useDate=false',
    '-I' + protoRoot, '-I' + rpcRoot, ...files,
  ], { stdio: 'inherit' });
} catch (e) {
  console.error('generate: protoc failed (' + e.message + '); install protoc (Debian: apt-get install protobuf-compiler)'
    + ' or set PROTOC');
  process.exit(1);
}
