/** What never leaves the machine: secret files by name, key-like values by shape (src/extract/llm/redact.ts). */
import { describe, expect, it } from 'vitest';
import { isSecretFile, looksLikeSecret, maskSecrets } from '../../src/extract/llm/redact.js';

describe('isSecretFile', () => {
  it.each([
    '.env',
    'config/.env.production',
    'certs/server.pem',
    'keys/app.key',
    'home/id_rsa',
    'id_ed25519.pub',
    'aws/credentials',
    'config/secrets.js',
    'lib/client_secret.rb',
  ])('%s is never sent', (file) => expect(isSecretFile(file)).toBe(true));
  it.each(['app.js', 'lib/environment.js', 'lib/keyboard.js', 'controllers/users_controller.rb', 'lib/envelope.go'])('%s may be sent', (file) =>
    expect(isSecretFile(file)).toBe(false),
  );
});

describe('maskSecrets', () => {
  it('masks known token shapes wherever they are, keeping a recognisable prefix', () => {
    const source = [
      'const stripe = "sk_live_51HqLyjWDarjtT1zdp7dc4eC39";',
      "const aws = 'AKIAIOSFODNN7EXAMPLE';",
      '// token: ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";',
      "headers.Authorization = 'Bearer abc123def456ghi789';",
    ].join('\n');
    const { text, masked } = maskSecrets(source);
    expect(text.split('\n')).toEqual([
      'const stripe = "sk_live_…[masked]";',
      "const aws = 'AKIA…[masked]';",
      '// token: ghp_…[masked]',
      'const jwt = "eyJ…[masked]";',
      "headers.Authorization = 'Bearer …[masked]';",
    ]);
    expect(masked).toBe(5);
  });

  it('masks long high-entropy string literals but not ordinary strings', () => {
    const { text } = maskSecrets('const a = "Xk9pQ2mZ7vR4tL8wN3bY6cH1";\nconst b = "application/json";\nconst c = "the quick brown fox 12345";\n');
    expect(text).toBe('const a = "…[masked]";\nconst b = "application/json";\nconst c = "the quick brown fox 12345";\n');
    expect(looksLikeSecret('users_controller_spec')).toBe(false);
  });

  it('masks a private key block and keeps the line count, so cited line numbers stay right', () => {
    const source = 'const key = `\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1\nabcdef\n-----END RSA PRIVATE KEY-----`;\nafter();\n';
    const { text } = maskSecrets(source);
    expect(text.split('\n')).toHaveLength(source.split('\n').length);
    expect(text).not.toContain('MIIEpAIBAAKCAQEA1');
    expect(text.split('\n')[5]).toBe('after();');
  });
});
