'use strict';

var http = require('http');
var path = require('path');
var createApp = require('./app').createApp;

var port = process.env.PORT === undefined || process.env.PORT === '' ? 3000 : parseInt(process.env.PORT, 10);
var host = process.env.HOST || '127.0.0.1';

var built = createApp({
  dbFile: process.env.BILLING_DB || ':memory:',
  seedFile: path.join(__dirname, '..', 'seed.json'),
  webhookSecret: process.env.BILLING_WEBHOOK_SECRET || 'whsec_parity_demo',
});

var server = http.createServer(built.app);
server.listen(port, host, function () {
  console.log('billing legacy listening on http://' + host + ':' + server.address().port);
});

function shutdown() {
  server.close(function () {
    built.close();
    process.exit(0);
  });
  if (server.closeAllConnections) server.closeAllConnections();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
