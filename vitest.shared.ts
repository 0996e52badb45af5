import { defineProject } from 'vitest/config'

/**
 * Shared project settings: tests resolve sibling packages through the `source`
 * export condition, so they run against `src/` with no build step.
 */
export function packageProject(name: string, extra: { testTimeoutMs?: number } = {}) {
  return defineProject({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout: extra.testTimeoutMs ?? 20_000,
      environment: 'node',
    },
  })
}
