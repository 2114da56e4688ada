// problemResponses: an operation of the canonical API answers every error (4xx, 5xx,
// default) as application/problem+json and only so, and has a `default` response for
// the statuses it does not list. Compatibility profiles' operations (compat-* tags)
// answer in their legacy API's shapes and are left alone.
const { where, isCompat } = require('./operations.js');

const PROBLEM = 'application/problem+json';

module.exports = (op, _opts, ctx) => {
  if (op === null || typeof op !== 'object' || isCompat(op)) return [];
  const out = [];
  const at = where(op, ctx.path);
  const responses = op.responses || {};
  if (!responses.default) {
    out.push({
      message: `${at}: add a \`default\` response with content ${PROBLEM} (schema Problem), for the errors it does not list.`,
      path: [...ctx.path, 'responses'],
    });
  }
  for (const [code, res] of Object.entries(responses)) {
    if (!/^[45]/.test(code) && code !== 'default') continue;
    const types = Object.keys((res && res.content) || {});
    if (types.length !== 1 || types[0] !== PROBLEM) {
      out.push({
        message: `${at}: the ${code} response must be ${PROBLEM} alone (it has ${types.length ? types.join(', ') : 'no content'}): the canonical API's errors are problems (schema Problem).`,
        path: [...ctx.path, 'responses', code],
      });
    }
  }
  return out;
};
