// A JSON success response says what it holds: an object with properties, an array with items, or a union of those.
function typed(schema) {
  if (!schema || typeof schema !== "object") return false;
  if (Array.isArray(schema.anyOf || schema.oneOf)) return (schema.anyOf || schema.oneOf).every(
    (s) => typed(s) || (s && s.type === "null"));
  if (Array.isArray(schema.allOf)) return schema.allOf.some(typed);
  if (schema.type === "array") return typed(schema.items) || ["string", "integer", "number", "boolean"].includes(
    schema.items && schema.items.type);
  if (schema.type === "object" || schema.type === undefined) {
    return Boolean(schema.properties && Object.keys(schema.properties).length)
      || typed(schema.additionalProperties);
  }
  return ["string", "integer", "number", "boolean"].includes(schema.type);
}

export default function typedSuccess(media, _options, context) {
  if (typed(media && media.schema)) return [];
  return [{message: "a success response without a schema saying what it holds", path: [...context.path, "schema"]}];
}
