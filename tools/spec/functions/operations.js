// Helpers shared by the house rules' functions: where an operation is, and which API
// it belongs to.

// where names an operation for a message: its operationId, method and path.
function where(op, path) {
  const method = String(path[path.length - 1] || '').toUpperCase();
  const route = path[path.length - 2];
  return `${op && op.operationId ? op.operationId + ' ' : ''}(${method} ${route})`;
}

// isCompat says whether the operation belongs to a compatibility profile: its tag is
// compat-<profile>.
function isCompat(op) {
  return Array.isArray(op && op.tags) && op.tags.some((t) => String(t).startsWith('compat-'));
}

module.exports = { where, isCompat };
