// operationOneTag: an operation has exactly one tag, which says which API it belongs to:
// one of the canonical API's tags, or compat-<profile>. The generators split the code
// by it (gen/, gen/compat/<profile>/, clients/go).
const { where } = require('./operations.js');

module.exports = (op, _opts, ctx) => {
  if (op === null || typeof op !== 'object') return [];
  const tags = Array.isArray(op.tags) ? op.tags : [];
  if (tags.length === 1) return [];
  return [
    {
      message: `${where(op, ctx.path)}: give it exactly one tag (it has ${tags.length}): \`tags: [auth]\` or another canonical tag, or \`tags: [compat-<profile>]\` for a compatibility profile's operation.`,
      path: [...ctx.path, 'tags'],
    },
  ];
};
