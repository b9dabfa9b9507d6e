'use strict';

// The error envelope every client parses: {"error": {"type", "message", "param"?}}.
// Validation errors are 400 (we never adopted 422; the SDKs check for 400).

function sendError(res, status, type, message, param) {
  var error = { type: type, message: message };
  if (param !== undefined) error.param = param;
  return res.status(status).json({ error: error });
}

function badRequest(res, message, param) {
  return sendError(res, 400, 'invalid_request_error', message, param);
}

function missingParam(res, param) {
  return badRequest(res, 'Missing required param: ' + param, param);
}

function notFound(res, what, id) {
  return sendError(res, 404, 'not_found', 'No such ' + what + ': ' + id);
}

function conflict(res, message) {
  return sendError(res, 409, 'conflict', message);
}

module.exports = {
  sendError: sendError,
  badRequest: badRequest,
  missingParam: missingParam,
  notFound: notFound,
  conflict: conflict,
};
