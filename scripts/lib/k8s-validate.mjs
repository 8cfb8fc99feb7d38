// Validates Kubernetes manifests against the Kubernetes API schemas, offline (no cluster: kubectl's
// own --validate needs a server's OpenAPI document). Two checks per object, both from the npm
// package kubernetes-models (the API's OpenAPI schemas, generated):
//   1. its JSON-schema validator: types, required fields, enums, formats (quantities, int-or-string);
//   2. TypeScript's excess-property check against its interfaces: an unknown or misspelled field
//      anywhere in the object (what `kubectl --validate=strict` and the API server's strict field
//      validation refuse; the schemas alone let unknown fields through).
// YAML is read as YAML 1.1, as Kubernetes reads it (0440 is octal).
//
//   node scripts/lib/k8s-validate.mjs FILE.yaml...      (kustomization.yaml files are skipped)
//   RM_TOOLS_DIR   where scripts/lib/install-test-tools.sh installed the npm tools (default target/test-tools)
//
// Prints one line per object ("ok FILE#N KIND NAME") or per problem ("error FILE#N KIND NAME: ..."),
// and exits 1 when there is a problem, 2 when the tools are missing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const tools = resolve(process.env.RM_TOOLS_DIR || join(root, "target/test-tools"));
const modules = join(tools, "node_modules");
for (const need of ["kubernetes-models/package.json", "yaml/package.json", "typescript/bin/tsc"]) {
  if (!existsSync(join(modules, need))) {
    console.error(`k8s-validate: ${join(modules, need)} is missing: run scripts/lib/install-test-tools.sh`);
    process.exit(2);
  }
}
const YAML = await import(pathToFileURL(join(modules, "yaml/dist/index.js")).href);

/** kubernetes-models' module path of an apiVersion and kind: v1/ConfigMap, apps/v1/Deployment. */
function modelPath(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) {
    return null;
  }
  return `${apiVersion}/${kind}`; // the core group's apiVersion is just v1
}

const objects = []; // {where, kind, name, data, model}
let problems = 0;
const report = (o, msg) => {
  problems++;
  o.failed = true;
  console.log(`error ${o.where} ${o.kind} ${o.name}: ${msg}`);
};

for (const file of process.argv.slice(2)) {
  if (basename(file) === "kustomization.yaml") {
    continue;
  }
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });
  let n = 0;
  for (const doc of docs) {
    n++;
    const where = `${file}#${n}`;
    if (doc.errors.length > 0) {
      problems++;
      console.log(`error ${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const data = doc.toJS();
    if (data === null || data === undefined) {
      continue; // an empty document
    }
    const o = { where, kind: data.kind ?? "?", name: data.metadata?.name ?? "?", data };
    const path = modelPath(data.apiVersion, data.kind);
    const js = path && join(modules, "kubernetes-models", `${path}.js`);
    if (!js || !existsSync(js)) {
      report(o, `unknown apiVersion/kind ${data.apiVersion}/${data.kind} (not in the Kubernetes API)`);
      continue;
    }
    o.model = path;
    objects.push(o);
    const mod = await import(pathToFileURL(js).href);
    try {
      new mod[data.kind](data).validate();
    } catch (e) {
      report(o, `schema: ${e.message}`);
    }
  }
}

// TypeScript: every object as a typed literal; excess properties are errors at any depth
if (objects.length > 0) {
  const dir = mkdtempSync(join(tools, "k8s-validate-"));
  try {
    const text = objects.map((o, i) => `import type { I${o.data.kind} as T${i} } from "kubernetes-models/${o.model}";`);
    const starts = [];
    for (let i = 0; i < objects.length; i++) {
      starts.push(text.join("\n").split("\n").length + 1);
      text.push(`export const o${i}: T${i} = ${JSON.stringify(objects[i].data, null, 1)};`);
    }
    writeFileSync(join(dir, "check.ts"), text.join("\n") + "\n");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext",
        target: "es2022", skipLibCheck: true, types: [] },
      files: ["check.ts"],
    }));
    let out = "";
    try {
      execFileSync(process.execPath, [join(modules, "typescript/bin/tsc"), "-p", dir, "--pretty", "false"],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
      if (!out.trim()) {
        out = `check.ts(1,1): error tsc: ${e.message}`;
      }
    }
    for (const line of out.split("\n").filter((l) => l.trim())) {
      const m = /check\.ts\((\d+),\d+\): (.*)$/.exec(line);
      if (!m) {
        if (/^\s/.test(line)) {
          console.log(`  ${line.trim()}`); // a continuation of the previous message
        } else {
          problems++;
          console.log(`error typescript: ${line}`);
        }
        continue;
      }
      const at = Number(m[1]);
      let i = starts.length - 1;
      while (i > 0 && starts[i] > at) {
        i--;
      }
      if (at < starts[0]) {
        problems++;
        console.log(`error typescript: ${m[2]}`);
      } else {
        report(objects[i], `field: ${m[2]}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const o of objects) {
  if (!o.failed) {
    console.log(`ok ${o.where} ${o.kind} ${o.name}`);
  }
}
process.exit(problems > 0 ? 1 : 0);
