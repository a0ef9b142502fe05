// A list is a GET taking `limit` or `cursor` (or any other paging parameter): it pages with `limit` + `cursor` and
// answers {items: [...], next_cursor}. A GET answering a bare JSON array is a list that cannot grow a page, with one
// exception: the parts of one record (a path with a parameter), bounded by that record and declared so with
// `x-sendpb-bounded: <what bounds it>` (kit.openapi.bounded), where the contract fixes the answer as an array (the
// schedule of one agreement: CONTRACT.md gives it as `[{due_date, amount_pence, basis}]`). Such a list never grows
// without its record growing, so paging it would only make every reader loop; an LA-wide list is never bounded.
const PAGING = new Set(["limit", "cursor", "before", "after", "offset", "page"]);

function jsonSchemaOf(response) {
  const media = response && response.content && response.content["application/json"];
  return media && media.schema;
}

function declaredBounded(op, path, paged) {
  const why = op["x-sendpb-bounded"];
  return typeof why === "string" && why.trim().length > 0 && !paged && typeof path === "string" && path.includes("{");
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
      if (declaredBounded(op, context.path[1], paged)) continue;
      findings.push({message: "answers a bare array: a list answers {items, next_cursor} (or, for the parts of one "
                              + "record, declares `x-sendpb-bounded`)",
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
