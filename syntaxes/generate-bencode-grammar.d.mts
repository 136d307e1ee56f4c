/** Types for generate-bencode-grammar.mjs, which test/grammar imports to check the committed grammar is current. */
export declare function grammar(): Record<string, unknown>;
export declare function grammarText(): string;
export declare const GRAMMAR_PATH: string;
