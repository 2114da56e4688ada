// canonicalPaths: a path with an operation of the canonical API does not end with a
// slash. Compatibility profiles keep their legacy API's paths (djoser's /api/users/).
const { isCompat } = require('./operations.js');

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

module.exports = (paths, _opts, ctx) => {
  if (paths === null || typeof paths !== 'object') return [];
  const out = [];
  for (const [route, item] of Object.entries(paths)) {
    if (route === '/' || !route.endsWith('/')) continue;
    const canonical = METHODS.filter((m) => item && item[m] && !isCompat(item[m]));
    if (canonical.length > 0) {
      out.push({
        message: `${route}: a canonical API path must not end with a slash (only compatibility profiles keep their legacy API's).`,
        path: [...ctx.path, route],
      });
    }
  }
  return out;
};
