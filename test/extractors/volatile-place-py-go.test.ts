/**
 * Volatile values where they are, in Python and Go: a seeded generator (`random.Random(42)`) is
 * not random; a random value put in a header (`resp.headers[...] = uuid4()`, `c.Header(...)`,
 * random bytes only ever used in a header) does not make the body volatile; random bytes that are
 * the body (`os.urandom`, `c.Data(..., rand bytes)`) do.
 */
import { describe, expect, it } from 'vitest';
import { extractFiles } from '../helpers/extract.js';

const FILES: Record<string, string> = {
  'requirements.txt': 'flask\n',
  'app.py': `import os, random, uuid
from flask import Flask, jsonify, Response
app = Flask(__name__)

@app.route('/blob')
def blob():
    return Response(os.urandom(16), mimetype='application/octet-stream')

@app.route('/dice')
def dice():
    rng = random.Random(42)
    return jsonify(roll=rng.randint(1, 6))

@app.route('/hdr')
def hdr():
    resp = jsonify(ok=True)
    resp.headers['X-Request-Id'] = str(uuid.uuid4())
    return resp
`,
  'go.mod': 'module example.com/x\n\ngo 1.21\n\nrequire github.com/gin-gonic/gin v1.9.0\n',
  'main.go': `package main

import (
	"crypto/rand"

	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.Default()
	r.GET("/bytes", func(c *gin.Context) {
		data := make([]byte, 16)
		rand.Read(data)
		c.Data(200, "application/octet-stream", data)
	})
	r.GET("/token", func(c *gin.Context) {
		buf := make([]byte, 8)
		rand.Read(buf)
		c.Header("X-Nonce", string(buf))
		c.JSON(200, gin.H{"ok": true})
	})
	r.Run()
}
`,
};

describe('volatile values in the right place (python, go)', () => {
  it('leaves seeded generators and header values out of the body, and keeps a random body', () => {
    const volatile = Object.fromEntries(extractFiles(FILES).endpoints.map((e) => [`${e.framework} ${e.path}`, e.volatile.map((v) => v.field)]));
    expect(volatile).toEqual({ 'flask /blob': ['$'], 'flask /dice': [], 'flask /hdr': [], 'gin /bytes': ['$'], 'gin /token': [] });
  });
});
