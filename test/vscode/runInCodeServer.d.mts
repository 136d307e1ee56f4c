// Types for what TypeScript callers (the benchmarks) import from runInCodeServer.mjs.
/** Flags for Debian's Chromium on these offline machines (no background networking, no sandbox as root). */
export declare const CHROMIUM_ARGS: readonly string[];
