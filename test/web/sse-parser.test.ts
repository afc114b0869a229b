// The dashboard's text/event-stream parser: messages come out whole however the bytes are split.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseParser } from '../../web/src/api/sse-parser.js';

const STREAM = 'retry: 3000\n: vigil live insights\n\nevent: insight\ndata: {"id":"a"}\n\n: ping\n\nevent: insight\r\ndata: line 1\r\ndata: line 2\r\n\r\ndata:no-space\n\nevent: other\ndata: x\n\n';
const EXPECTED = [
  { event: 'insight', data: '{"id":"a"}' },
  { event: 'insight', data: 'line 1\nline 2' },
  { event: 'message', data: 'no-space' },
  { event: 'other', data: 'x' },
];

describe('SseParser', () => {
  it('parses events, multi-line data, CRLF, comments and the default event name', () => {
    assert.deepEqual(new SseParser().push(STREAM), EXPECTED);
  });

  it('gives the same messages for any split of the stream into chunks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
        const p = new SseParser();
        const out = [];
        for (let i = 1; i < points.length; i++) out.push(...p.push(STREAM.slice(points[i - 1], points[i])));
        assert.deepEqual(out, EXPECTED);
      }),
    );
  });

  it('holds an incomplete message until its blank line arrives', () => {
    const p = new SseParser();
    assert.deepEqual(p.push('event: insight\ndata: {"id":'), []);
    assert.deepEqual(p.push('"b"}\n'), []);
    assert.deepEqual(p.push('\n'), [{ event: 'insight', data: '{"id":"b"}' }]);
  });
});
