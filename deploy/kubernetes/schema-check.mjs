// Validates Kubernetes manifests against the API's OpenAPI schema (types, enums, required fields) with the npm package
// kubernetes-models, installed under TOOLS (see check.sh). It does not flag unknown fields: the schema allows them.
//   node schema-check.mjs TOOLS MANIFEST...
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const [tools, ...files] = process.argv.slice(2);
const modules = join(tools, "node_modules");
const yaml = createRequire(join(modules, "js-yaml", "package.json"))("js-yaml");
let failed = 0;
for (const file of files) {
  for (const [n, doc] of yaml.loadAll(readFileSync(file, "utf8")).entries()) {
    if (doc == null) continue;
    const where = `${file} document ${n + 1} (${doc.kind ?? "no kind"} ${doc.metadata?.name ?? ""})`;
    const [group, version] = String(doc.apiVersion ?? "").includes("/") ? doc.apiVersion.split("/") : [null, doc.apiVersion];
    const model = join(modules, "kubernetes-models", ...(group ? [group, version] : [String(version)]), `${doc.kind}.js`);
    if (!existsSync(model)) {
      console.log(`FAIL ${where}: no schema for apiVersion ${doc.apiVersion} kind ${doc.kind}`);
      failed++;
      continue;
    }
    const exported = await import(pathToFileURL(model).href);
    try {
      new exported[doc.kind](doc).validate();
      console.log(`ok   ${where}`);
    } catch (e) {
      console.log(`FAIL ${where}: ${e.message}`);
      failed++;
    }
  }
}
process.exit(failed ? 1 : 0);
