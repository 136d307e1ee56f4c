/**
 * JSON for people and tools that read encoded DAGs: dict keys in bencode (UTF-8) order and integers
 * exact, so a bigint prints all its digits (JSON.stringify cannot print a bigint at all).
 */
import { compareUtf8 } from './bencode';
import type { BencodeValue } from './values';

/** JSON with dict keys in bencode order and integers exact (a bigint prints all its digits). */
export function toJson(value: BencodeValue, indent = 2): string {
  const out: string[] = [];
  const write = (v: BencodeValue, depth: number) => {
    const pad = ' '.repeat(indent * (depth + 1));
    const end = ' '.repeat(indent * depth);
    if (typeof v === 'string') out.push(JSON.stringify(v));
    else if (typeof v === 'number' || typeof v === 'bigint') out.push(String(v));
    else if (typeof v === 'boolean') out.push(v ? '1' : '0');
    else if (v instanceof Uint8Array) out.push(`{"$bytes": "${Buffer.from(v).toString('hex')}"}`);
    else if (Array.isArray(v)) {
      if (v.length === 0) { out.push('[]'); return; }
      out.push('[\n');
      v.forEach((x, i) => { out.push(pad); write(x, depth + 1); out.push(i + 1 < v.length ? ',\n' : `\n${end}]`); });
    } else {
      const keys = Object.keys(v).sort(compareUtf8);
      if (keys.length === 0) { out.push('{}'); return; }
      out.push('{\n');
      keys.forEach((k, i) => {
        out.push(`${pad}${JSON.stringify(k)}: `);
        write((v as Record<string, BencodeValue>)[k]!, depth + 1);
        out.push(i + 1 < keys.length ? ',\n' : `\n${end}}`);
      });
    }
  };
  write(value, 0);
  return out.join('');
}
