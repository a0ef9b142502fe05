// A list is a GET taking `limit` or `cursor` (or any other paging parameter): it pages with `limit` + `cursor` and
// answers {items: [...], next_cursor}. A GET answering a bare JSON array is a list that cannot grow a page.
const PAGING = new Set(["limit", "cursor", "before", "after", "offset", "page"]);

function jsonSchemaOf(response) {
  const media = response && response.content && response.content["application/json"];
  return media && media.schema;
}

export default function paginated(op, _options, context) {
  const findings = [];
  const params = (op.parameters || []).filter((p) => p && p.in === "query").map((p) => p.name);
  const paged = params.some((name) => PAGING.has(name));
  for (const name of params) {
    if (PAGING.has(name) && name !== "limit" && name !== "cursor") {
      findings.push({message: `pages with \`${name}\`: lists page with \`limit\` and \`cursor\``,
                     path: [...context.path, "parameters"]});
    }
  }
  for (const [status, response] of Object.entries(op.responses || {})) {
    if (!status.startsWith("2")) continue;
    const schema = jsonSchemaOf(response);
    if (!schema) continue;
    if (schema.type === "array") {
      findings.push({message: "answers a bare array: a list answers {items, next_cursor}",
                     path: [...context.path, "responses", status]});
    } else if (paged) {
      const props = schema.properties || {};
      if (!props.items || !props.next_cursor) {
        findings.push({message: "a list answers {items, next_cursor}", path: [...context.path, "responses", status]});
      }
    }
  }
  return findings;
}
