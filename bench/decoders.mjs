export function decoderBenchmarks() { return []; }
