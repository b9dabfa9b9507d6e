/**
 * Parameters read through wrappers: a Python view that wraps `request.args` first
 * (`CaseInsensitiveDict(request.args.items())`), and a Go helper that reads `c.Query(key)` for
 * the key its caller passes (`queryInt(c, "limit", 20)`).
 */
import { describe, expect, it } from 'vitest';
import { extractFiles } from '../helpers/extract.js';

const FILES: Record<string, string> = {
  'requirements.txt': 'flask\n',
  'app.py': `from flask import Flask, jsonify, request
from requests.structures import CaseInsensitiveDict
app = Flask(__name__)

@app.route('/search')
def search():
    args = CaseInsensitiveDict(request.args.items())
    return jsonify(q=args.get('q'), page=int(args.get('page', 1)))
`,
  'go.mod': 'module example.com/x\n\ngo 1.21\n\nrequire github.com/gin-gonic/gin v1.9.0\n',
  'main.go': `package main

import (
	"strconv"

	"github.com/gin-gonic/gin"
)

func queryInt(c *gin.Context, key string, def int) int {
	n, err := strconv.Atoi(c.Query(key))
	if err != nil {
		return def
	}
	return n
}

func main() {
	r := gin.Default()
	r.GET("/items", func(c *gin.Context) {
		c.JSON(200, gin.H{"limit": queryInt(c, "limit", 20), "q": c.Query("q")})
	})
	r.Run()
}
`,
};

describe('parameters read through wrappers', () => {
  it('follows a wrapped request source and a helper given the key', () => {
    const params = Object.fromEntries(
      extractFiles(FILES).endpoints.map((e) => [`${e.method} ${e.path}`, e.params.map((p) => `${p.in} ${p.name}${p.type ? `: ${p.type}` : ''}`)]),
    );
    expect(params['GET /search']).toEqual(['query q', 'query page']);
    expect(params['GET /items']).toEqual(['query limit: integer', 'query q']);
  });
});
