export declare function metadataProblems(pkg: Record<string, unknown>, config: Record<string, unknown>, root: string): string[];
