import { fileURLToPath } from 'node:url'

/** Absolute path of the CLI source (`src/cli.ts`), run by node through tsx. */
export const CLI_PATH = fileURLToPath(new URL('./cli.ts', import.meta.url))

/** The `--import` value that loads tsx, resolved from this package (works from any cwd). */
export const TSX_IMPORT = import.meta.resolve('tsx')

/** Node arguments that run the CLI from source: `node ...NODE_ARGS <command> ...`. */
export const NODE_ARGS: readonly string[] = ['--conditions=source', '--import', TSX_IMPORT, CLI_PATH]
