// operationExample: an operation's JSON request body has an example, and so has its
// first successful (2xx) response with a JSON body. An example is `example:` or a
// non-empty `examples:` on the media type, beside `schema:`, or `example:` on the schema
// itself (a component's, which every operation using it shows).
const { where } = require('./operations.js');

const JSON_TYPE = 'application/json';

function hasExample(media) {
  return (
    media !== null &&
    typeof media === 'object' &&
    (media.example !== undefined ||
      (media.examples && Object.keys(media.examples).length > 0) ||
      (media.schema && media.schema.example !== undefined))
  );
}

module.exports = (op, _opts, ctx) => {
  if (op === null || typeof op !== 'object') return [];
  const out = [];
  const at = where(op, ctx.path);
  const request = op.requestBody && op.requestBody.content && op.requestBody.content[JSON_TYPE];
  if (request && !hasExample(request)) {
    out.push({
      message: `${at}: the request body has no example: add \`example:\` beside the schema under requestBody.content.${JSON_TYPE}.`,
      path: [...ctx.path, 'requestBody', 'content', JSON_TYPE],
    });
  }
  const responses = op.responses || {};
  const success = Object.keys(responses).find(
    (code) => /^2/.test(code) && responses[code] && responses[code].content && responses[code].content[JSON_TYPE],
  );
  if (success && !hasExample(responses[success].content[JSON_TYPE])) {
    out.push({
      message: `${at}: the ${success} response has no example: add \`example:\` beside the schema under responses.'${success}'.content.${JSON_TYPE}.`,
      path: [...ctx.path, 'responses', success, 'content', JSON_TYPE],
    });
  }
  return out;
};
