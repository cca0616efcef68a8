// Attributes at rest from the outside (docs/keys.md, "Data keys"): opens sealed values with node's own
// AES-256-GCM, as an independent reading of the format sakaid writes, and looks for plaintext in a
// database dump in every encoding a leak could take.
//
//   KEK file: base64url of 32 bytes
//   data_keys.key_enc = seal(KEK, "sakaid:data-key:<id>", 32-byte data key)
//   <table>.<column>  = seal(data key of the row's data_key_id, "sakaid:attr:v1:<table>.<column>:<resident id>",
//                            text | 0x80 | 0x00... up to a multiple of 16 bytes)
//   seal(k, aad, m)   = 0x01 | nonce[12] | AES-256-GCM(k, nonce, aad, m) | tag[16]
import { spawnSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { psql } from './harness.mjs';

/** Opens one sealed value (a Buffer); throws when it does not open. */
export function openSealedBytes(key, aad, blob) {
  if (blob.length < 29 || blob[0] !== 1) throw new Error('not a sealed value');
  const d = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 13));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([d.update(blob.subarray(13, blob.length - 16)), d.final()]);
}

/** Opens a sealed attribute value: the text inside its padding. */
export function openSealed(key, aad, blob) {
  const padded = openSealedBytes(key, aad, blob);
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  if (padded.length % 16 !== 0 || end === 0 || padded[end - 1] !== 0x80) throw new Error('not padded');
  return padded.subarray(0, end - 1).toString('utf8');
}

/** The data key @p id, unsealed with the KEK of @p env. */
export function dataKey(env, id) {
  const kek = Buffer.from(readFileSync(env.SAKAID_KEK_FILE ?? join(env.SAKAID_DATA_DIR, 'kek.key'), 'utf8').trim(), 'base64url');
  const hex = psql(env.SAKAID_DATABASE_URL, `SELECT encode(key_enc, 'hex') FROM data_keys WHERE id = ${Number(id)}`);
  return openSealedBytes(kek, `sakaid:data-key:${id}`, Buffer.from(hex, 'hex'));
}

/** The opened values of a resident's row of @p table: {data_key_id, column: text, ...}; undefined without a row. */
export function openRow(env, table, columns, residentId) {
  const line = psql(env.SAKAID_DATABASE_URL, `SELECT data_key_id || '|' || ${columns.map((c) => `encode(${c}, 'hex')`).join(" || '|' || ")}
    FROM ${table} WHERE resident_id = '${residentId}'`);
  if (!line) return undefined;
  const [id, ...hex] = line.split('|');
  const key = dataKey(env, id);
  const out = { data_key_id: Number(id) };
  columns.forEach((c, i) => {
    out[c] = openSealed(key, `sakaid:attr:v1:${table}.${c}:${residentId}`, Buffer.from(hex[i], 'hex'));
  });
  return out;
}

export const RESIDENT_COLUMNS = ['name', 'name_alt', 'gender', 'birth_date', 'address', 'address_alt', 'sakai_resident',
  'sakai_ward', 'gender_raw', 'birth_date_raw'];
export const HOUSEHOLD_COLUMNS = ['school_district', 'area', 'children'];

/** A plain-SQL pg_dump of the whole database (Debian's postgresql-client). */
export function pgDump(url) {
  const r = spawnSync('pg_dump', ['--no-owner', '--no-privileges', url], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * The forms @p value could take in a dump: UTF-8 text; hex of its UTF-8 bytes (bytea hex output, any
 * case); bytea escape output (octal, with the backslash single or doubled as COPY writes it); base64
 * and base64url; percent-encoding; JSON \u escapes; UTF-16 (both byte orders) as hex.
 */
export function encodings(value) {
  const utf8 = Buffer.from(value, 'utf8');
  const octal = [...utf8].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`)).join('');
  const json = [...value].map((ch) => (ch.charCodeAt(0) < 0x80 ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('');
  const utf16le = Buffer.from(value, 'utf16le');
  const utf16be = Buffer.from(utf16le).swap16();
  const forms = new Set([
    value, utf8.toString('hex'), octal, octal.replace(/\\/g, '\\\\'), utf8.toString('base64').replace(/=+$/, ''),
    utf8.toString('base64url'), encodeURIComponent(value), json, utf16le.toString('hex'), utf16be.toString('hex'),
  ]);
  return [...forms].filter((f) => f.length >= 2);
}

/** The forms of @p values that occur in @p dump (case-insensitive for the encoded ones). */
export function leaks(dump, values) {
  const lower = dump.toLowerCase();
  const found = [];
  for (const v of values) {
    for (const f of encodings(v)) {
      const hit = f === v ? dump.includes(f) : lower.includes(f.toLowerCase());
      if (hit) found.push(`${v} as ${JSON.stringify(f)}`);
    }
  }
  return found;
}
