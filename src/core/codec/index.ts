// Wire-format codecs shared by ingest decoders (remote-write, OTLP). Pure: bytes in, values out.
export * from './protobuf-wire.js';
