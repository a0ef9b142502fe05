// AsyncAPI documents checked by the official parser (@asyncapi/parser: the AsyncAPI JSON Schema of the document's
// version plus its Spectral ruleset). Usage: node validate-asyncapi.mjs FILE...; prints a JSON list of every
// finding, each {file, code, severity (0 error, 1 warning, 2 info, 3 hint), message, path}.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
const findings = [];
for (const file of process.argv.slice(2)) {
  const diagnostics = await parser.validate(readFileSync(file, "utf8"), { source: file });
  for (const d of diagnostics) {
    findings.push({ file, code: String(d.code), severity: d.severity, message: d.message, path: d.path });
  }
}
process.stdout.write(JSON.stringify(findings));
