/** Layer of each workspace package. */
export declare const LAYERS: Record<string, number>
/** Same-layer edges named in DESIGN.md. */
export declare const SAME_LAYER_ALLOWED: Record<string, string[]>
/** Packages restricted to an explicit dependency list. */
export declare const ONLY_ALLOWED: Record<string, string[]>
/** Module specifiers imported by a source text. */
export declare function importsOf(text: string): string[]
/** Violations of the dependency rules in the workspace at `root`. */
export declare function checkDeps(root: string): string[]
