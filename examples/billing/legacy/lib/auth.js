'use strict';

var errors = require('./errors');

// "sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc" -> "sk_test_...p7dc"
function maskKey(key) {
  return key.slice(0, 8) + '...' + key.slice(-4);
}

// Authorization: Bearer <api key>. Sets req.account ({id, name, api_key}) and req.apiKey.
// Both failures are 401 (historical: the dashboard shows the masked key to the user).
function requireApiKey(req, res, next) {
  var header = req.get('Authorization');
  var key = null;
  if (header) {
    var match = /^Bearer\s+(.*)$/i.exec(header);
    if (match) key = match[1].trim();
  }
  if (!key) {
    return errors.sendError(res, 401, 'authentication_error', 'No API key provided');
  }
  var account = req.db.prepare('SELECT id, name, api_key FROM accounts WHERE api_key = ?').get(key);
  if (!account) {
    return errors.sendError(res, 401, 'authentication_error', 'Invalid API key provided: ' + maskKey(key));
  }
  req.account = account;
  req.apiKey = key;
  next();
}

module.exports = {
  requireApiKey: requireApiKey,
  maskKey: maskKey,
};
