/**
 * Optional against required authentication in Flask and FastAPI: flask-jwt-extended's
 * `@jwt_required()` (401 without a token, 422 for a malformed one), `@jwt_required(optional=True)`
 * and `@jwt_optional`, FastAPI dependencies that only read a token.
 */
import { describe, expect, it } from 'vitest';
import { authClassOf } from '../../extractors/score.js';
import { extractFiles } from '../helpers/extract.js';

const FILES: Record<string, string> = {
  'requirements.txt': 'flask\nflask-jwt-extended\nfastapi\n',
  'app.py': `from flask import Flask, jsonify
from flask_jwt_extended import jwt_required, jwt_optional, get_jwt_identity

app = Flask(__name__)

@app.route('/profile')
@jwt_required()
def profile():
    return jsonify(user=get_jwt_identity())

@app.route('/feed')
@jwt_required(optional=True)
def feed():
    return jsonify(items=[])

@app.route('/old-feed')
@jwt_optional
def old_feed():
    return jsonify(items=[])
`,
  'api.py': `from fastapi import FastAPI, Depends, HTTPException
from pydantic import BaseModel

api = FastAPI()

class Item(BaseModel):
    name: str

def get_current_user(token: str = Depends(oauth2_scheme)):
    if not token:
        raise HTTPException(status_code=401)
    return token

def current_user_if_any(token: str = Depends(oauth2_optional)):
    return token

@api.post('/items')
def create(item: Item, user=Depends(get_current_user)):
    return item

@api.get('/items')
def list_items(user=Depends(current_user_if_any)):
    return []
`,
};

describe('python auth: required or optional', () => {
  it('reads optional=True, jwt_optional and a dependency that only reads the token as optional, and flask-jwt-extended statuses', () => {
    const endpoints = new Map(extractFiles(FILES).endpoints.map((e) => [`${e.framework} ${e.method} ${e.path}`, e]));
    const auth = (key: string) => authClassOf(endpoints.get(key)!);
    expect(auth('flask GET /profile')).toBe('required');
    expect(auth('flask GET /feed')).toBe('optional');
    expect(auth('flask GET /old-feed')).toBe('optional');
    expect(auth('fastapi POST /items')).toBe('required');
    // current_user_if_any: its name and its body (no raise) say it only reads.
    expect(auth('fastapi GET /items')).toBe('optional');
    expect(
      endpoints
        .get('flask GET /profile')!
        .outcomes.map((o) => o.status)
        .sort(),
    ).toEqual([200, 401, 422]);
    expect(endpoints.get('flask GET /feed')!.outcomes.map((o) => o.status)).toEqual([200]);
  });
});
