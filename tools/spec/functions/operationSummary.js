// operationSummary: an operation has a summary, the line Swagger UI shows beside its
// path and the generated clients put in their doc comments.
const { where } = require('./operations.js');

module.exports = (op, _opts, ctx) => {
  if (op === null || typeof op !== 'object') return [];
  if (typeof op.summary === 'string' && op.summary.trim() !== '') return [];
  return [
    {
      message: `${where(op, ctx.path)}: add a \`summary:\`, one short line saying what the operation does.`,
      path: ctx.path,
    },
  ];
};
