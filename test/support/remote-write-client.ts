// A tiny remote-write sender for tests: encodes, snappy-compresses and POSTs a WriteRequest.
import { compressSnappy, encodeWriteRequest, type RemoteWriteSeries } from '../../src/adapters/remote-write/index.js';

export async function remoteWrite(url: string, series: RemoteWriteSeries[], headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', ...headers },
    body: compressSnappy(encodeWriteRequest(series)),
  });
}

/** A smooth daily-ish signal with a little deterministic noise. */
export function signal(seriesIndex: number, step: number): number {
  return 100 + 20 * Math.sin((2 * Math.PI * step) / 288 + seriesIndex) + ((step * 7919 + seriesIndex * 104729) % 1000) / 500;
}
